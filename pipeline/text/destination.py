"""Lines declared for manned aircraft: a component named by its destination alone.

The label guide puts every part or component of a manned aircraft, helicopter or aero-engine under
``aircraft_parts``, but keeps tools, consumables, ground equipment, manuals and simulators ``other`` "even when the
aircraft is named". In the corpus the same destination words stand in thousands of such look-alikes (tow tractors,
turbine oil, model kits, foil balloons shaped like aeroplanes), so the model weighs an ordinary component word more
than the destination: «Насос топливный подкачивающий для воздушного судна», "Limit switches, aircraft" and
"Control cable pulleys (aircraft)" came out ``other`` (README model card, "The destination rule").

:func:`declares_aircraft` tells whether a normalised text (lower case, look-alike letters folded) declares its goods
for manned aviation and is none of the guide's exceptions:

- a destination word: "aircraft", "helicopter", "aviation", "aero-engine", «воздушное судно», «летательный аппарат»,
  «самолёт», «вертолёт», «авиационный», «авиа», «ВС», «кабина экипажа», Latin spellings of the Russian ones;
- not one named only to be excluded ("other than for civil aircraft", «кроме для гражданских воздушных судов», «не
  для авиации»), nor «ВС РФ» (the armed forces);
- none of the exceptions anywhere in the line: drones and radio-controlled models; toys, models, souvenirs,
  simulators, documents, services and accessories; ground and airport equipment, tools and testers; consumables and
  materials; themed and travel goods; engines and blades of ships, power plants and industry;
- and no reason of the ground rule (:func:`pipeline.text.ground.ground_reason`).

:func:`pipeline.model.destination_rule.destination_assist` gives such a line, left ``other`` by every other rule, the
class ``aircraft_parts`` with ``review=1`` when the model backs it.
"""

from __future__ import annotations

import re

from pipeline.text.ground import NOT_AVIATION, ground_reason

_B = r"(?<![\w-])"
_E = r"(?![\w-])"

_DESTINATION = re.compile(
    _B + r"(?:aircraft|airplanes?|aeroplanes?|helicopters?|rotorcraft|airframes?|airliners?|aero[- ]?engines?"
    r"|aviation|avionics|samolet\w*|vertolet\w*|aviats\w*|avia|aviazapchast\w*|aviashin\w*|самол[её]т\w*"
    r"|вертол[её]т\w*|авиацион\w*|авиа|авиадвигател\w*|авиатехник\w*|авиазапчаст\w*|авиашин\w*|кабин\w* экипаж\w*"
    r"|(?:воздушн\w*|летательн\w*) (?:суд\w*|аппарат\w*)|(?:гражданск\w* )?вс)" + _E
)
_NEGATED = re.compile(
    r"(?:not|non|never|other than|except|excluding|excl\.?)[- ](?:for |of |used |intended |designed )*(?:use |in |on "
    r"|civil |civilian )*(?:aircraft|aviation|aero|helicopter)\w*"
    r"|(?:не|кроме|за исключением|без)(?: для| предназначен\w*| применяем\w*| используем\w*| является)*"
    r"(?: для| в| на)?(?: гражданск\w*)? (?:авиаци\w*|воздушн\w* суд\w*|самол[её]т\w*|вертол[её]т\w*"
    r"|летательн\w* аппарат\w*|вс)"
)
_ARMED_FORCES = re.compile(r"вс рф|вс российской|вооруженн\w* сил")
_EXCEPTIONS = re.compile(
    # drones and radio-controlled models
    r"беспилот|бпла|\bбвс\b|\bбла\b|дрон|квадрокоптер|мультикоптер|коптер|drone|\buav|\buas\b|unmanned|quadcopter"
    r"|multirotor|\bfpv\b|\brc\b|r/c|radio[- ]control|радиоуправл|на пульте|na pulte|на радиоуправлении"
    # toys, models, souvenirs, simulators, documents, services, clothing and accessories
    r"|toy|игрушк|игрушеч|конструктор|lego|model kit|scale model|die-?cast|сборн\w* модел|модел\w* (?:самол|вертол)"
    r"|(?:aircraft|airplane|helicopter) models?|models? (?:of )?(?:an? )?(?:aircraft|airplane|helicopter)|\b1:\d{2,3}\b"
    r"|масштаб|нелетающ|non-?flying|стендов\w* модел|сувенир|souvenir|пазл|puzzle|replica|реплик"
    r"|simulator|симулятор|тренажер|trainer|(?<!maintenance )\bmanuals?\b|руководств|плакат|poster|\bbooks?\b|книг"
    r"|журнал|magazine"
    r"|freight|авиадостав|авиаперевоз|перевозк|доставк|ticket|авиабилет|carriers?\b|авианос"
    r"|jacket|куртк|костюм|suit\b|\bbags?\b|сумк|рюкзак|backpack|\bcases?\b|кейс|чехл|чехол|наклейк|sticker|decal"
    r"|keychain|брелок|\bмагнит(?:ы|ов)?\b|\bmagnets?\b|\bmugs?\b|кружк|футболк|t-shirt|calendar|календар"
    # ground support and airport equipment, tools and testers
    r"|\bтрап|\btrap\b|тягач|буксир|tow tractor|tug\b|аэродромн|airfield|airport|ground support|ground power"
    r"|\bhangars?\b|\bангар\w*|de-?icing (?:truck|vehicle|machine|fluid)|противообледенительн\w* обработк|\bgse\b"
    r"|установк\w* (?:для промывки|воздушного запуска|кондиционир)|пусков\w* агрегат|подогревател|tester|testers"
    r"|тестер|test (?:set|bench|equipment)|\bbench\b|for testing|для проверки|для (?:технического )?обслуживани\w*"
    r"|dlya (?:tekhnicheskogo )?obsluzhivaniya|instrumentov|instrument dlya|проверочн|контрольно|измерител"
    r"|\bgauges?\b(?! port)|манометр|\bключ\w*|\btools?\b|wrench|заклепочник|riveter|rivet gun|шлифовальн|grinder"
    r"|jacks?\b|домкрат"
    r"|tie-?down|chocks?\b|колодки упорн|tyre cage|подъемник|лестниц|\bladders?\b|стремянк|training device|обучени"
    r"|учебн"
    # consumables and materials
    r"|жидкост|смывк|cleaner|очистител|cleaning|моющ|скотч|\btapes?\b|\bлент[аыу]\b|paint|краск|эмал|\bлак\b"
    r"|\bгрунт\w*|primer|фанер|plywood|\bsheets?\b|\bлист(?:ы|ов)?\b|\bплит[аы]\b|пруток|прутки|\bbars?\b|заготовк"
    r"|oxygen cylinder|\bазот\b|nitrogen cylinder|топлив\w* для|керосин|kerosene|jet fuel|turbine fuel"
    r"|aviation fuel(?! (?:servo|pumps?|control|nozzles?|valves?|filters?|system))|avgas|бензин"
    # themed and travel goods
    r"|шар\w* воздушн|paper airplane|бумажн|furniture|мебел|coffee table|ножниц|snips|мешк|\bупор(?:ы|ов)?\b"
    r"|shar\w* vozdushn|vozdushn\w* shar|\bконверт(?:ы|ов)?\b|воздушн\w* шар\w* (?:латекс|фольг)|balloons?\b|змей"
    r"|\bkite"
    r"|ceiling fan|вентилятор потолоч|chair|стул|pillow|подушк|\bgin\b|джин|беруш|earplug|чемодан|suitcase"
    r"|luggage|ручная кладь|переноск|pet carrier|статуэтк|figurine|headset|гарнитур|радиостанци|radio transceiver"
    r"|handheld radio|\bчасы\b|\bwatch\w*|\buld\b|контейнер багажн"
    # engines and blades of ships, power plants and industry
    r"|судов\w* (?:газотурбин|дизел|двигател)|морск\w* исполнен|корабел|marine|\bгту\b|газотурбинн\w* установк"
    r"|(?<!авиационной )(?<!авиационная )промышленн|(?<!aviation )(?<!aerospace )industrial|ветроэнерг|wind turbine"
    r"|аэролодк|аэросан|турбодетандер|энергоблок|power plant"
    r"|газоперекач"
)


def declares_aircraft(text: str) -> bool:
    """Whether a normalised text declares its goods for manned aircraft and is none of the exceptions.

    See the module docstring.
    """
    named = _ARMED_FORCES.sub(" ", _NEGATED.sub(" ", NOT_AVIATION.sub(" ", text)))
    if _DESTINATION.search(named) is None or _EXCEPTIONS.search(text) is not None:
        return False
    return not ground_reason(text)

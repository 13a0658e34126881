"""Ground lines: engines of ground machines and boats, and the ground equipment, tools and consumables of aviation.

The label guide puts only aircraft engines under ``aircraft_parts`` ("Parts of industrial or marine gas turbines and
engines are `other`") and keeps tools, consumables and ground equipment ``other`` "even when the aircraft is named".
In the corpus "engine" stands in far more ``aircraft_parts`` lines than ``other`` ones, and an aero-engine's type
beside a stand or a sling weighs more than the stand, so "Used engine Deutz F4L912 complete" and "ENGINE TRANSPORT
STAND FOR PW100 SERIES" came out ``aircraft_parts`` at 0.99 and more on English trade dumps (README model card).
:func:`ground_reason` names such a line in a normalised text (lower case, look-alike letters folded):

- ``"engine"``: it names an engine or motor, a maker of engines for road vehicles, machines, boats or generators
  that makes no aero-engines (Deutz, Cummins, ЯМЗ, Kubota …) or a ground vehicle, machine or boat ("truck",
  «экскаватор», "outboard"), and nothing about aircraft: no aviation word, no aircraft or aero-engine designation
  (:func:`pipeline.text.aircraft.is_aircraft_type`), no «ВС», APU or «ГТД»; and the engine is not named as missing
  ("less engine", «без двигателя»). Makers that also build or fly aero-engines (BMW, Honda, Mitsubishi, Subaru, VW,
  BRP, Liebherr, Kawasaki, Rolls-Royce, Continental, Garrett, Rotax) count only beside a vehicle word.
- ``"equipment"``: the line's head phrase, before its first "for", «для», comma or part number, names ground
  equipment or a tool (stand, sling, dolly, test cell, tow bar, torque wrench, intake covers, «траверса», «стенд»,
  «чехлы», «тележка для транспортировки»), or its head noun is a consumable: the last word of an English head
  ("turbine oil", "sealant") or the first of a Russian one («масло авиационное», «герметик»).

:func:`pipeline.model.ground_rule.ground_review` sends such a line, labelled ``aircraft_parts`` by the other rules, to
``other`` with ``review=1`` and ``aircraft_parts`` as its candidate: the word lists are a heuristic, and the reviewer
sees what the model would have said.
"""

from __future__ import annotations

import re

from pipeline.text.aircraft import is_aircraft_type

_B = r"(?<![\w-])"  # a word starts (a hyphen joins: "stand-off" is one word)
_E = r"(?![\w-])"

_ENGINE = re.compile(
    _B + r"(?:engines?|motors?|motor-generators?|powerheads?|long-?block|short-?block|двигател\w*|мотор\w*|двс"
    r"|dvigatel\w*|dvs|fadongji)" + _E
)
_NO_ENGINE = re.compile(
    _B + r"(?:less|without|no|excluding|excl\.?|без|bez)\s+(?:the\s+)?(?:engines?|motors?|двигател\w*|мотор\w*"
    r"|dvigatel\w*)" + _E
)
# Makers of engines for road vehicles, machines, boats and generators that build no aero-engines.
_MAKER = re.compile(
    _B + r"(?:deutz|cummins|caterpillar|perkins|kubota|yanmar|kohler|lister|petter|lister-petter|hatz|tumosan"
    r"|weichai|yuchai|shangchai|sdec|yunnei|xinchai|quanchai|isuzu|toyota|nissan|mazda|hyundai|kia|daewoo|doosan"
    r"|ssangyong|volvo|scania|daf|iveco|mercedes|mercedes-benz|detroit|navistar|deere|komatsu|hitachi|jcb|bobcat"
    r"|new holland|fendt|claas|massey|ferguson|zetor|mtz|мтз|kamaz|камаз|yamz|ямз|zmz|змз|mmz|ммз|tmz|тмз|uaz|уаз"
    r"|vaz|ваз|lada|лада|gazel|газель|paz|kraz|краз|zil|зил|avtodizel|автодизель|briggs|stratton|tecumseh|loncin"
    r"|lifan|zongshen|greenworks|husqvarna|stihl|ktm|harley|harley-davidson|ducati|suzuki|yamaha|polaris|ski-doo"
    r"|sea-doo|mercury|evinrude|tohatsu|selva|parsun|hidea|volvo penta|wartsila|wärtsilä|sulzer|niigata|daihatsu"
    r"|chevrolet|chevy|gmc|opel|vauxhall|renault|peugeot|citroen|fiat|audi|skoda|jeep|dodge|chrysler|geely|chery"
    r"|haval|great wall|faw|foton|dongfeng|sinotruk|howo|shacman|xcmg|sany|zoomlion|liugong|lonking|sdlg|shantui"
    r"|hino|fuso|kenworth|peterbilt|freightliner)(?!\w)(?!-[^\W\d_])"  # "ЯМЗ-238", not "Volvo-based"
)
_VEHICLE = re.compile(
    _B + r"(?:cars?|automobiles?|automotive|jdm|crate|trucks?|lorry|lorries|suv|vans?|tractors?|excavators?|loaders?"
    r"|bulldozers?|dozers?|graders?|forklifts?|fork-lift|motorcycles?|motorbikes?|moto|scooters?|mopeds?|atvs?|utvs?"
    r"|quad ?bikes?|snowmobiles?|boats?|marine|outboards?|yachts?|locomotives?|gensets?|generator sets?"
    r"|generating sets?|diesel generators?|lawn ?mowers?|mowers?|chainsaws?|tillers?|karts?|go-karts?"
    r"|combine harvesters?|harvesters?|cranes?|compactors?|автомобил\w*|легков\w*|грузовик\w*|трактор\w*"
    r"|экскаватор\w*|погрузчик\w*|бульдозер\w*|грейдер\w*|мотоцикл\w*|скутер\w*|мопед\w*|квадроцикл\w*|снегоход\w*"
    r"|лод(?:ка|ки|ок|очн\w*)|катер\w*|яхт\w*|тепловоз\w*|судов(?:ой|ого|ому|ые|ых)|дизель-генератор\w*"
    r"|генераторн\w* установк\w*|электростанц\w*|газонокосил\w*|бензопил\w*|мотоблок\w*|культиватор\w*|комбайн\w*"
    r"|автобус\w*|спецтехник\w*|avtomobil\w*|gruzovik\w*|traktor\w*|ekskavator\w*|pogruzchik\w*|mototsikl\w*"
    r"|lodoch\w*|sudovoy|teplovoz\w*)" + _E + r"(?!')"  # not Van's Aircraft
)
# Anything about aircraft, as a part of a word too ("aeroshell", «авиадвигатель», "turbofan"): the rule then stays off.
_AVIATION = re.compile(
    r"(?:aircraft|airplane|aeroplane|aero|avia|airframe|helicopter|heli|rotorcraft|gyroplane|autogyro|gyrocopter"
    r"|turbofan|turbojet|turboprop|turboshaft|jet|glider|landing gear|ultralight|microlight|paramotor|paraglid"
    r"|trike|airliner|airship|balloon|flying boat|faa|easa|8130|airworth|самол[её]т|вертол[её]т|авиа"
    r"|воздушн\w* суд|планер|дельтаплан|парамотор|автожир|турбовинт|турбореакт|турбовал|турбовент|аэро|samolet"
    r"|vertolet|aviats|feiji|hangkong|飞机|航空)"
)
NOT_AVIATION = re.compile(
    r"(?:other than|except|excluding|not) (?:for |of )?(?:use in |use on )?(?:civil )?(?:aircraft|aviation|aero)\w*"
    r"|(?:кроме|за исключением) (?:для )?(?:авиацион\w*|воздушн\w* суд\w*|самолет\w*|летательн\w* аппарат\w*)"
)
_AVIATION_WORD = re.compile(_B + r"(?:вс|vs|ла|трд|твд|трдд|гтд|всу|apu)" + _E)
# Ground equipment and tools, when one of them starts in the head phrase.
_EQUIPMENT = re.compile(
    _B + r"(?:stands?(?! off)|slings?|dolly|dollies|engine hoists?|engine trolleys?|bootstrap"
    r"|borescopes?(?! (?:plugs?|ports?|access|holes?|covers?))|videoscopes?|test cells?|test benches|test bench"
    r"|test rigs?|shipping containers?|transport(?:ation)? containers?|lifting (?:beams?|fixtures?)|tow ?bars?|tugs?"
    r"|ground power units?|air start(?:er)? (?:units?|carts?)|chocks|aircraft jacks?|tripod jacks?|axle jacks?"
    r"|maintenance ladders?|maintenance stairs|wrench(?:es)?|spanners?|torque tools?|tool ?kits?|special tools?"
    r"|tooling|pullers?|intake covers?|inlet covers?|exhaust covers?|pitot covers?|protective (?:[\w-]+ )?covers?"
    r"|cutaways?|training (?:models?|engines?|aids?|mock-?ups?)|mock-?ups?|(?:shop |maintenance |overhaul )?manuals?"
    r"|covers and plugs|cover set|стенд(?:а|ы|ов|у|ом)?|траверс(?:а|ы|у)?|тележк\w* для (?:транспортировки|перевозки"
    r"|двигател\w*)|подъемник\w*|контейнер\w* транспорт\w*|транспорт\w* контейнер\w*|макет\w*|руководств\w*"
    r"|чехл\w*(?! (?:на )?(?:кресл|сиден))|чехол(?! (?:на )?(?:кресл|сиден))|приспособлени\w*"
    r"|инструмент(?:ы|а|ов)?|съемник\w*|водил(?:о|а)|буксировщик\w*|стремянк\w*|домкрат\w*|кантовател\w*"
    r"|ложемент\w*|стапел\w*|stend(?:a|y)?|traversa|traversy|telezhk\w* dlya (?:transportirovki|perevozki"
    r"|dvigatel\w*)|chekhl\w*|chekhol|zhijia|gongju)" + _E
)
_CONSUMABLE = re.compile(
    r"(?:oils?|grease|greases|sealants?|fluids?|fuel|lubricants?|compounds?|paints?|adhesives?|масло|смазка|смазки"
    r"|герметик|жидкость|топливо|краска|грунтовка|клей|maslo|smazka)"
)
_HEAD_END = re.compile(
    r"\s(?:for|of|to|with|on|from|для|на|к|от|из|под|dlya)\s|[,;:(]|\s[-–—/]\s|\sp/?n(?![\w-])|\ss/?n(?![\w-])"
)
_LETTERS = re.compile(r"[^\W\d_]+")


def ground_reason(text: str) -> str:
    """``"engine"``, ``"equipment"`` or ``""`` for a normalised text (see the module docstring)."""
    if _ground_engine(text):
        return "engine"
    if _ground_equipment(text):
        return "equipment"
    return ""


def names_aviation(text: str) -> bool:
    """Whether a normalised text says anything about aircraft: a word, an abbreviation or a type designation.

    Aircraft named only to be excluded ("other than for aircraft", «кроме авиационных») do not count.
    """
    text = NOT_AVIATION.sub(" ", text)
    if _AVIATION.search(text) is not None or _AVIATION_WORD.search(text) is not None:
        return True
    return any(is_aircraft_type(t) for t in (w.strip(".,;:()[]\"'«»") for w in text.split()) if t)


def head_phrase(text: str) -> str:
    """The text before its first "for", «для», comma, colon, bracket, dash or part number: what the line is."""
    end = _HEAD_END.search(text)
    return text[: end.start()] if end else text


def _ground_engine(text: str) -> bool:
    if _ENGINE.search(text) is None or _NO_ENGINE.search(text) is not None or names_aviation(text):
        return False
    return _MAKER.search(text) is not None or _VEHICLE.search(text) is not None


def _ground_equipment(text: str) -> bool:
    head = head_phrase(text)
    # searched in the whole text, so that what follows the word counts («чехлы на кресла» are cabin items)
    if any(m.start() < len(head) for m in _EQUIPMENT.finditer(text)):
        return True
    words = _LETTERS.findall(head)
    if not words:
        return False
    # the head noun: a Russian line's comes first («масло авиационное»), an English line's last ("jet oil")
    noun = words[0] if any("\u0400" <= ch <= "\u04ff" for ch in words[0]) else words[-1]
    return _CONSUMABLE.fullmatch(noun) is not None

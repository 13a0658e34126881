import functools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text.markers import MarkerMatcher, MarkerRuleError
from pipeline.text.normalise import Normaliser

RULES = Path(__file__).resolve().parent.parent / "configs" / "markers.txt"


@pytest.fixture(scope="module")
def flag():
    matcher = MarkerMatcher.from_file(RULES)
    norm = Normaliser()
    return lambda text: matcher(norm(text))


@pytest.mark.parametrize(
    "text",
    [
        "Квадрокоптер для нужд СВО 5 шт",
        "поставка в зону специальной военной операции",
        "ноутбуки для спецоперации",
        "для нужд Минобороны России",
        "получатель МО РФ",
        "по гособоронзаказу",
        "в/ч 55555",
        "войсковая часть 12345",
        "ДЛЯ НУЖД CBO",  # Latin look-alike letters
        "For the special military operation, 10 pcs",
        "Ministry of Defence of the Russian Federation",
        "consignee: military unit 61899",
        "dlya nuzhd SVO",
        "poluchatel voyskovaya chast 1234",
        # spellings a new user tried on real dumps (issue 9)
        "Квадрокоптеры для нужд С.В.О.",
        "получатель Мин0бороны России",
        "поставка для нужд Мин. обороны",
        "грузополучатель вч 12345",
        "в\\ч 54321",
        "для нужд ВС РФ",
        "для Вооружённых сил РФ",
        "В/Ч12345",
        "для нужд в/ч",
        "в/ч 3526 термосы 1л 100 шт",
        "волонтёры отправили на фронт 50 дронов",
        "resold to Russian military units",
        "Anti-drone detector, 30 pcs, for SVO",
        "tafbuk cf-33 dlya VS RF",  # transliterated, missed on a later writer's lines
        "peredal 6 noutbukov Toughbook v zonu SVO",  # missed on the w22 writer's lines
        "anti-drone jammer for SMO",  # missed on the w26 writer's lines
        "GPS modules for MoD needs",
        "rugged tablets for the needs of the MoD",
        # missed on the w33 writer's trade-data lines (cut at a field width; "units of SVO")
        "FULLY RUGGED LAPTOP DELL LATITUDE 7330 RUGGED EXTREME 6SETS FOR NEEDS OF MINISTRY OF DEFEN",
        "JAMMER ANTI DRONE 6 CHANNEL 600W FOR FRONTLINE UNITS OF SVO 5SETS",
        "ноутбуки для нужд МО",
        "поставка для нужд МО РФ",
        # missed on the w52 writer's slang lines
        "aptechka 20 sht dlya v/ch",
        "тепловизоры отправили на передовую",
        "fpv 7 dyuim 10 sht na peredovuyu",
        # a real news sentence on army laptops
        "ноутбуки защищенные для нужд российской армии",
        # a permit named beside a real destination still fires on the destination
        "по разрешению Минобороны РФ, поставка для нужд СВО",
        # a report by the Ministry beside a real destination still fires on the destination
        "Минобороны сообщило о закупке квадрокоптеров для нужд СВО",
        # real news lines the rules missed (s30 probes)
        "таможенники передали российским военнослужащим запчасти для самолетов",
        "Российские военные получат сверхнадежные планшетники",
        "semiconductors illegally exported to support the Russian military in Ukraine",
        "Charges 11 for Illegal Microelectronics Exports to Russian Military",
        # missed on the w77 writer's lines
        "Sobiraem na Mavic 3T dlya rebyat na SVO, ostalos 90 tysyach",
        # a branch of the Russian armed forces as the receiver (a real news line of the H6 probe)
        'До конца года "Пермские моторы" поставят ВВС России еще восемь двигателей ПС-90А-76',
        "запчасти для нужд ВКС РФ",
        "поставка навигационного оборудования для Военно-морского флота России",
        "spare parts supplied to the Russian Air Force",
        # missed on the marker probe MP (session 59), written for the rules by two helpers who never saw them
        "Войск. ч. 33842: квадрокоптер DJI Matrice 30T, 1 шт",
        "Посылка военнослужащему, полевая почта 45678: термобельё, носки",
        "Стропа капроновая ЛТКП-25-450, 10 000 м, для нужд ВДВ (76-я гв. ДШД)",
        "Поставка для нужд Южного военного округа: палатки каркасные М-10, 15 шт",
        "Рации Motorola DP4800e для штурмового отряда 3-й мотострелковой дивизии, 6 шт",
        "Сбор для 810-й бригады морпехов: тепловизор Hikmicro Gryphon GH35L, 1 шт",
        "Рации Baofeng UV-5R, 20 шт — гуманитарка на ЛБС, нашим ребятам в окопы",
        "Гуманитарный груз для участников спец. военной операции: генераторы, канистры",
        "7 inch FPV drone kits, 50 sets, humanitarian aid for Russian soldiers in the SMO zone",
        "Winter boots, 400 pairs, for mobilised soldiers, sent to the SMO area",
        "Manifest: 12 cartons satellite phones Thuraya XT-Lite, for the Southern Military District",
        "Invoice remark: goods for the Black Sea Fleet of the Russian Navy, Sevastopol; marine VHF radios, 30 pcs",
        "For the RF Armed Forces, via supplier LLC Tekhnoresurs: walkie-talkies Hytera HP705, 120 pcs",
        "Garmin GPSMAP 79s navigators, 40 pcs, end user Russian Aerospace Forces (VKS) airbase unit",
        "special military op delivery: Anker power stations 2048Wh, 15 pcs, to units at the frontline",
        "Gumanitarnaya pomoshch uchastnikam SVO: termobele, 500 komplektov",
        "Gruzopoluchatel: voinskaya chast 11659, Rostovskaya obl.; generatory benzinovye 3 kVt, 12 sht",
        "Na front, rebyatam v okopy: benzogeneratory i udliniteli, 1 partiya",
        "Ratsii Baofeng UV-5R 100 sht, dlya boytsov na LBS, ot volonterov",
        "Teplovizor HikMicro Lynx Pro LH19, dlya nashikh voennykh v zone SMO, 10 sht",
        "Batarei LiPo 6S 5000 mAh dlya FPV, 500 sht, dlya nuzhd spetsialnoy voennoy operatsii",
        "Spec. operatsiya, gumpomoshch: takticheskie perchatki 1000 par",
        "GNSS-antenny antiglushashchie, 20 sht, dlya nuzhd frontovykh podrazdeleniy VS RF",
        "Dlya podrazdeleniy VKS RF, aerodrom Khmeymim: aviatsionnye shiny 1030x350, 16 sht",
        # missed on the second probe MP2
        "Отчет по сбору для морпехов 155 обрмп: FPV-очки Skyzone 04X 6 шт, пульты Radiomaster 6 шт",
        "Сбор «Zа наших»: приобретены генераторы Huter DY8000 (3 шт) для штурмового батальона",
        "Отправили посылку СВОшникам: окопные свечи, батарейки АА 200 шт, носки",
        "Дроны Мавик 3Т в наличии, для военных — документы для передачи в в/ч подготовим",
        "Humanitarian aid for the 76th Guards Air Assault Division (VDV), Pskov: sleeping bags, 2 FPV drones",
        "Deliver to the front line, Zaporozhye direction, for the guys of the 58th Army: Starlink kits, 4 pcs",
        "To our fighters on the LBS (line of contact) from Tula volunteers: walkie-talkies Baofeng BF-888S, 50 pcs",
        "v/č 12676 (military unit), Belgorod oblast: thermal monocular iRay Rico Micro, 5 pcs",
        "Min. Oborony RF order: tyres 1220x400-533 for Ural-4320, 120 pcs",
        "Field post (polevaya pochta) 25842, military unit - parcel: individual first aid kits IFAK, 20 pcs",
        "Ministery of Defence of Russia (sic) - buyer of 40 Hikvision PTZ cameras, contract via UAE",
        "S.V.O. humanitarian aid, Starlink + tablets Samsung Tab Active, 3 sets",
        # missed on the third probe MP3
        "Ushlo za lentochku: Mavic 3 Classic + 2 akkumulyatora, spasibo vsem!",
        "Отправляем посылки на полевую почту бойцам бесплатно: аптечки, турникеты, носки",
        "поставка в в/ч, генераторы дизельные 8 кВт — 2 шт, оплата по счёту",
        "Delivery to mil. unit 3526, Kaliningrad, Baltic Fleet: marine GPS chartplotter 8 pcs",
        "QUADCOPTER DJI MATRICE 30T 2 PCS - THE RECEIVER IS A MILITARY UNIT OF THE RUSSIAN FEDERATION",
        "Thermal optics 10 pcs for soldiers of the Russian Vostok battalion fighting in Ukraine",
        # missed on the fourth probe MP4
        "Оплата по госконтракту, ИГК 2324187300572412248211099, за аккумуляторные батареи 12СТ-85, в т.ч. НДС 20%",
        "Перевод на рации для ребят за ленточку, спасибо всем кто помог",
        "Передача гуманитарного груза военнослужащим Черноморского флота: продукты, генераторы, 3 т",
        "Пожертвование на FPV-дроны для операторов БПЛА Южной группировки войск",
        "GNSS ANTI-JAM ANTENNA CRPA 4-ELEMENT, 20 PCS, END USER: VKS (RUSSIAN AEROSPACE FORCES)",
        "Diesel generator spare parts, consignee Northern Fleet naval base, Severomorsk",
        "Poluchatel: v\\ch 6688 (tak v zayavke); antidrone jammer module 5.8GHz 50W, 20 pcs",
        # fixed after the fifth probe MP5 (session 60)
        "Ремонт стоек шасси Су-34 по гос. оборонзаказу, 4 комплекта",
        'Заказчик: военный комиссариат Омской области. Ноутбуки 15,6", 12 шт',
        "груз идёт под гособоронку, отгрузить до 10.03",
        "FOR SPECAIL MILITARY OPERATION NEEDS: 20 walkie-talkies",
        "anti-drone jammer 6 bands, for special operation zone, 3 pcs",
        "specoperation needs: 5.8G VTX 300 pcs",
        "buyer: mil unit 45807, rugged laptops 10 pcs",
        "Hot price for Russia SVO! FPV frames 7 inch",
        "svo help: thermal monocular + batteries",
        "Gumanitarka na SVO: okopnye svechi 300 sht",
        "Sleeping bags for the mobilized battalion from Bashkiria, 200 pcs",
        "mobilised soldiers will get 40 radios from the fund",
        "drones donated to the 3rd Motor Rifle Division, 15 pcs",
        "radios for our soldiers near Kherson, 12 pcs",
        "Invoice 77: rugged tablets x 20 for Russia's defence ministry",
        "handed over to a marine brigade of Russia's Black Sea Fleet: 30 drones",
        # fixed after the sixth probe MP6 (session 60)
        "Заказчик: ФКУ «Военный комиссариат Курской области». Бумага А4, 200 пачек",
        "Поставка для ФГБУ «Главный военный клинический госпиталь им. Н. Н. Бурденко»: кресла-коляски 10 шт",
        "Сбор для мобиков из нашего района: берцы 20 пар",
        "передадим в подразделение ВДВ: квадрокоптер и РЭБ",
        "Закупка для 155 бригады ТОФ: планшеты 3 шт",
        "Помогаем землякам на фронте: генераторы 2 шт",
        "Spalnye meshki 80 sht dlya 106-y vozdushno-desantnoy divizii",
        "GOS.OBORONZAKAZ 2024, radiostantsii 60 sht",
        "dlia SVO -- FPV 10 dyuymov, 50 sht",
        "SVO nuzhdy: kvadrokoptery 5 sht",
        "for the mobiks!!! 50 sleeping mats",
        "special mil op - trench periscopes, 30 sets",
        "batteries for our guys in the SVO, 10 pcs",
        "headsets for servicemen of the 155th Marine Brigade (Russian Navy), 40 pcs",
        # missed on the seventh probe MP7 (session 60)
        "На нужды фронта: аптечки, 200 шт",
        "Для штурмовых подразделений 58-й армии: наколенники, 100 пар",
        "Для артдивизиона: квадрокоптер Autel, 1 шт",
        "Минобароны РФ: поставка спальников, 300 шт",
        "End user: Black Sea Fleet of the Russian Navy; marine radar, 2 sets",
        "The statement lists the Russian Airborne Forces (VDV) as the ultimate consignee",
        "Spesial military operation needs: FPV goggles x 40",
        "for the Special Milatary Operation, 5 rugged laptops",
        "Dlja SVO: 20 ratsiy Kenwood",
        "solar panels for the needs of the SMO, 20 pcs",
        # a unit number followed by words, not by a unit of measure (session 60)
        "в/ч 12345 в г. Курске: генераторы 2 шт",
        "Получатель ВЧ 55555, а также в/ч 12346",
        "Бушлаты 50 шт, для в/ч",
        "поставка в в/ч, генераторы дизельные 8 кВт",
        "Поставка флагов для нужд Минобороны России",
        "Flags for the Russian Ministry of Defence, 100 pcs",
        "BLDC motors for Russian army drones, 2000 pcs",
        "Ministry of Defence of Russia tender, tested and approved drones",
        # missed on the tenth probe MP10 (session 60)
        "Аптечки и турникеты, 200 комплектов — мобилизованным землякам",
        "Термобельё, 40 комплектов — бойцам «за ленточку»",
        "Окопные свечи 500 шт — ребятам из 3-й мсд",
        "Шины для УАЗ, 20 шт — на нужды СпецВоенОперации",
        "Toyota Hilux x2 donated for a Russian mortar crew",
        "For the special operation (SVO) needs: ESC 4-in-1 60A, 50 pcs",
        "Kvadrik Mavic 3 Pro dlya SVOshnikov, 2 sht",
        "CBO nuzhdy: teplovizory, 6 sht",
        "Otpravka voennosluzhashchim Chernomorskogo flota: fonari, 40 sht",
        "Spets. voen. operatsiya, gumanitarnyy gruz: 20 sht",
        # missed on the eighth probe MP8 (session 60)
        "Фонд: квадрокоптеры DJI Matrice 30T для артбригады, 3 шт",
        "Собрали на 3 квадрокоптера для нашей артиллерии, спасибо всем",
        "Сбор на Mavic для ребят, которые сейчас за ленточкой",
        "spec. voennaya operaciya: sbor na generator",
        "Postavka dlya VDV, 76 gv. DShD: binokli 100 sht",
        "zapchasti KAMAZ dlya gosudarstvennogo oboronnogo zakaza",
        "Perevod: pomoshch' SVO, na teplovizory",
        "na pokupku dronov dlya uchastnikov spetsial'noy voennoy operatsii",
        "pritsely Pulsar, rebyatam iz 237 DShP",
        "generators for our guys on the front line (Russian volunteers, Belgorod hub)",
    ],
)
def test_markers_found(flag, text):
    assert flag(text) == 1


@pytest.mark.parametrize(
    "text",
    [
        "НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ",
        "рюкзак в стиле милитари",
        "military green colour backpack",
        "rugged tablet MIL-STD-810H military-grade",
        "свойства материала",
        "муфта свободного хода",
        "military style boots",
        "not for military use",
        # negations never fire, whatever they negate
        "не военного назначения",
        "ТОВАР НЕ ПРЕДНАЗНАЧЕН ДЛЯ НУЖД СВО",
        "не предназначен для использования в зоне СВО",
        "не для нужд Минобороны",
        "не используется для нужд МО РФ",
        "not for the Ministry of Defence",
        "not intended for the special military operation",
        # words that merely hold a marker's letters
        "запасные части для фронтальных погрузчиков SDLG",
        "кабель в/ч 50 Ом, 100 м",
        "разъем в/ч SMA",
        "АО ГОЗ Обуховский завод, оптика",
        "AWB 555-12345675, airport SVO",
        "ВЧ-генератор 13,56 МГц",
        "Насос для СВО-10 (система водоочистки), 2 шт",
        "свободный ход",
        "rugged tablet intended for frontline workers",
        "бетонные работы, подготовка на фронт работ",
        "Росгвардия объявила тендер на ноутбуки",
        "cargo for SVO airport, 12 pallets",
        "dostavka na SVO, terminal B, 3 mesta",
        "RF cable for SMO connector, 1 m",
        "GoPro HERO13 Black + Max lens mod 2.0",
        "mod kit for the Mavic, needs no soldering",
        # МО of a municipality in procurement notices (the w35 writer's lines)
        "Ноутбук HP ProBook 450 G10 для нужд МО «Город Мирный»",
        "Квадрокоптер Autel Alpha XT или эквивалент, для нужд МО «Сельское поселение Тихое»",
        "Реагент противогололёдный, 50 т, для нужд МО г. Северск",
        # the branch named on merchandise or as a livery, not as a receiver
        "Кепка «ВВС России» камуфляж, стиль милитари, 50 шт",
        "Сборная модель самолета Су-27 ВВС России 1:72",
        "Russian Air Force cap, 20 pcs",
        "товар не предназначен для нужд ВКС РФ",
        "for the needs of the ministry of defending champions' league",
        # slang that also names car parts or a work crew: the guide's markers name the military, these do not
        "амортизаторы на передок Нивы 2 шт",
        "brake pads for the front",
        "инвертор 12/220 1000Вт для бригады",
        "coil for vape mod, 10 pcs",
        "передовые технологии навигации",
        # the Ministry of Defence as the issuer of a permit, not a destination (a real customs press line)
        "задержано 15 дизельных двигателей, вывоз которых ограничен и требует специальных разрешений Минобороны РФ",
        "экспорт по лицензии Министерства обороны",
        "export requires a permit from the Ministry of Defence",
        "according to the Russian military, the drones were shot down",
        "бойцы получили ранения при обстреле",
        "sourced aircraft parts for Russian military transport aircraft Il-76MD",
        # the Ministry of Defence as the source of a report (an unseen pass, w66)
        "Минобороны показало пуск «Ланцета» по гаубице М777",
        "На Житомирщине уничтожена станция РЭБ «Буковель», показывает Минобороны",
        "по данным Минобороны РФ, дроны сбиты над областью",
        # flagged on the marker probe MP (session 59): a refusal after the marker, sports fighters, book and magazine
        # titles and publishers, a former owner, transliterated and English negations
        "Агродроны DJI Agras T50 в наличии. Продаём только сельхозпредприятиям, в зону СВО не отгружаем",
        "Перчатки для ММА Venum Challenger 4 oz, для бойцов смешанных единоборств, 20 пар",
        "Книга «Вооружённые силы Российской Федерации. Иллюстрированная энциклопедия», изд. Эксмо, 2018",
        "Журнал «Армейский сборник» №3 за 2020 г., издатель — Минобороны России, б/у, 1 экз.",
        "Автомобиль КАМАЗ-4310, 1989 г.в., ранее состоял на балансе Минобороны, ПТС гражданский",
        "Автобус ПАЗ-32053 б/у, ранее принадлежал Министерству обороны, зарегистрирован на частное лицо",
        "Книга «Парад Победы», Воениздат (издательство Министерства обороны СССР), 1985",
        "Contract is not under the State Defence Order (non-GOZ); Huawei AR6120 enterprise routers, 40 pcs",
        "Tovar ne prednaznachen dlya postavok v Minoborony i silovye struktury; radiostantsii Kenwood TK-3000",
        # the front line with no side named (a w65 news line)
        "Volunteers bought 15 pickup trucks and 40 generators for frontline units",
        "сайлентблоки на передок ВАЗ-2110, 4 шт",
        "gain vs RF power, test report for the amplifier",
        # flagged on the second probe MP2
        "КП № 301: генератор бензиновый «Вепрь», гражданское исполнение, поставки для нужд Минобороны не осуществляем",
        "КП: рюкзаки тактические 5.11 Rush 24 — 14 500 руб, товар гражданский, в ГОЗ не участвуем",
        "Вещественные доказательства: бинокли БПЦ 8х30 — ранее списаны в/ч 12128 и проданы частным лицам",
        "Лот № 14 торгов по реализации высвобождаемого движимого имущества Минобороны России: автомобили УАЗ-469 б/у",
        "Возврат предоплаты за бинокли по письму № 12, поставка не состоялась. Не является платежом по ГОЗ",
        "Отчёт ДПД: рации и ранцевые огнетушители для пожарной дружины, закупка не связана с СВО",
        "Продаю DJI Avata 2 б/у, самовывоз м. Фрунзенская, рядом со зданием Минобороны",
        "СПЕЦОПЕРАЦИЯ «ЧЁРНАЯ ПЯТНИЦА»: рации Baofeng BF-888S — 990 руб, только до 30.11!",
        "Supply outside the state defence order (not GOZ), commercial contract No. 14/24: bearings SKF 6205-2RS",
        "Shipment is not destined for the Ministry of Defence or any armed forces - porcelain insulators, 500 pcs",
        "End user OOO TeploKontrol undertakes not to transfer the goods to the Russian Ministry of Defence",
        "Book 'The Russian Army of the Napoleonic Wars' (Osprey Men-at-Arms), 20 copies",
        "Used UAZ-469B, 1988, decommissioned by the Ministry of Defence, bought at auction by a hunting farm",
        "Thermal camera core, export licence No. 2024-11873 issued by the Israel Ministry of Defense (DECA)",
        "Not for GOZ (не в рамках гособоронзаказа): welding inverter Resanta SAI-250, 30 pcs",
        "Сварочный инвертор Ресанта САИ-250, 30 шт, вне рамок ГОЗ",
        # flagged on the third probe MP3
        "Адрес доставки: пос. Новый, ул. Героев СВО, д. 3, магазин «Бытовая техника». Холодильники «Бирюса» — 10 шт",
        "Для нужд МО МВД России «Ирбитский»: шины зимние для служебных автомобилей, 24 шт",
        "Тепловизор; разрешение на экспорт выдано DECA (Министерство обороны Израиля), конечный пользователь — АО",
        "The UK Ministry of Defence was quoted in the article as the source of the price estimate",
        "Russian Army Style Gorka-4 Suit Hunting Fishing Windproof Camo, Size 48-56",
        # flagged on the fourth probe MP4
        "Минобороны передало администрации Сосновоборского городского округа пять списанных пожарных автомобилей",
        "Ссылаясь на данные Минобороны, власти области сообщили о снятии ограничений на полёты БПЛА",
        "Квадрокоптер DJI Matrice 350 RTK для инспекции ЛЭП; со слов покупателя, для нужд СВО не предназначен",
        "Опрыскиватели прицепные 3 шт; в зону специальной военной операции товар не поставляется",
        "Kazakhstan Ministry of Defence surplus auction lot 17: KAMAZ-4310 truck, demilitarised, 1 unit",
        "Consent of the Ministry of Defence of the Republic of Serbia not required: PLC Siemens S7-1200, 30 pcs",
        "LETTER OF ASSURANCE: THE DRONES WILL NOT BE SUPPLIED TO ANY ARMED FORCES, INCLUDING IN THE SPECIAL MILITARY "
        "OPERATION ZONE",
        # flagged on the fifth probe MP5 (session 60)
        "Дроны в наличии. Для СВО и госструктур не продаём",
        "Контракты по гособоронзаказу в 2023 году не заключались",
        "Закупка: скамейки парковые для нужд МО Пушкинский городской округ",
        "dlya nuzhd MO «Kirovskiy munitsipalnyy okrug»: urny 30 sht",
        "В ходе спецоперации полиции изъято 200 контрафактных смартфонов",
        "Серверы для нужд ВС РФ (Верховного Суда Российской Федерации)",
        "Аэрофотосъёмка, план полётов согласован с ЗЦ ЕС ОрВД и Минобороны",
        "Грамота от Минобороны за 2019 год висит в офисе; поставщик торгует велосипедами",
        "The firm cites an award from the Russian Defence Ministry; it imports bicycles",
        "EUC: the equipment will not be used in connection with the so-called special military operation",
        "will not be resold nor re-exported to the Russian Ministry of Defence",
        "We confirm none of the items will be supplied to military end-users, including MOD RF",
        "Screening: documents carry no reference to SVO, v/ch or GOZ; buyer is a farm",
        "Проверка: в документах нет упоминания СВО или в/ч 12345; покупатель — агрохолдинг",
        "NGO review: none of the 12 consignments mentioned the Ministry of Defence; buyers were shops",
        "Перчатки для солдат тактические, 1000 пар",
        # flagged on the sixth probe MP6 (session 60)
        "Запасные части для рельсосварочных машин, в т.ч. блоков СВО (систем водяного охлаждения)",
        "Возврат средств по дог. № 8/СВО от 11.01.2024 (СВО — станция водоочистки), без НДС",
        "Подписка: журнал «Армейский сборник» (издание Минобороны России), 2 полугодие",
        "Книга «Военная энциклопедия», Воениздат МО РФ, 1997",
        "Screening: consignee not on SDN list, no link to the Russian Ministry of Defence found",
        "Tovar ne prednaznachen dlya ispolzovaniya v zone SVO i ne postavlyaetsya v interesakh MO RF",
        "Book: The Russian Army in the Great War, hardcover, 10 copies",
        "Freight update: per Russian MoD statement, the airspace remains closed; cargo rerouted",
        "Delay notice: Ministry of Defence reported a drone attack; vessel waiting at anchorage",
        "Ex-army truck (previous owner: Netherlands Ministry of Defence), demilitarised",
        # flagged on the seventh probe MP7 (session 60)
        "Осциллограф Rigol, 3 шт, для колледжа; к гособоронзаказу не относится",
        "Повербанк Baseus, 500 шт; поставки в воинские части не производятся",
        "Кастомная СВО для игрового ПК: помпа, резервуар, водоблоки CPU/GPU",
        "Определение ВС РФ от 12.04.2023 № 305-ЭС22-1234: акустическая система классифицирована в 8518 22",
        "Clause 9.3: the goods are not supplied under a state defence order (GOZ)",
        "Questionnaire: Do you have contracts with the Ministry of Defence of any country? NO.",
        "The end user confirms it is not a Russian military unit and not part of the Russian MOD",
        "Garantiynoe pismo: ne v ramkakh GOZ, ne dlya voennogo primeneniya",
        "Tovar ne budet peredan Minoborony ili inym silovym strukturam",
        # high-frequency equipment whose rating follows «ВЧ» (session 60, written for the rule, not from a probe)
        "Индукционный нагреватель ВЧ 15000 Вт, 1 шт",
        "Генератор ВЧ 13560 кГц для плазменной установки",
        "Фильтр в/ч 10000 пФ, 50 шт",
        "VCH 13560 kHz RF generator",
        "Разъем для в/ч кабеля RG-58, 100 шт",
        "Переходник для в/ч разъемов SMA-BNC, 20 шт",
        "Фильтр для в/ч сигнала",
        "dlya v/ch kabelya RG-58",
        # product names and merchandise (session 60 audit of the rules, before MP10 was scored)
        "Ручки мебельные на фронт кухни, 20 шт",
        "Настольная игра «Танковый батальон», 10 шт",
        "Набор солдатиков Звезда «Мотострелковый полк», 1:72",
        "Значок «Гвардейская танковая армия» (сувенир)",
        "Russian Army Ushanka Hat, fur, size 58, 20 pcs",
        "Vintage Russian Army watch Vostok Komandirskie",
        "Matryoshka doll Russian army soldiers, 5 pcs",
        "SMO connectors 100 pcs, delivery to Russia",
        "Hot sale SMO insurance Russia",
        "Toy soldiers military unit 12 pcs",
        "Кружка с эмблемой Минобороны России, 300 мл",
        "Флаг Министерства обороны РФ 90х135 см",
        "Ремень для армии и флота, латунная пряжка",
        "Ex-Ministry of Defence Land Rover Defender 110, 1998",
        "Ministry of Defence (MoD) approved supplier, ISO 9001",
        "MIL-STD and Ministry of Defence DEF-STAN compliant cable",
        # flagged on the tenth probe MP10 (session 60)
        "Жидкость для СВО Alphacool Eiszeit 1 л, прозрачная",
        "Устав внутренней службы ВС РФ, карманный формат, издание 2024 (книга)",
        "Календарь настенный 2025 «Вооружённые силы России», перекидной, А3",
        "Товар не для военного применения и не для передачи в зону СВО — камеры, 50 шт",
        "RF MOD module for satellite receiver, VHF ch3/4, 100 pcs",
        "The Russian Army in the Great War, paperback, 1 pc",
        "Tamiya 35035 1/35 Russian Army tank crew figures",
        "Wall calendar 2025 (source: Ministry of Defence press service), 100 pcs",
        # flagged on the eighth probe MP8 (session 60)
        "Насадка ночного видения на охотничью оптику; в войсковых частях не используется; 10 шт.",
        "pls send price for SMO/SMB RF adapters, 2000 pcs",
        "ostsillograf dlya kafedry fiziki; ne yavlyaetsya zakupkoy v ramkakh GOZ",
        "Import licence L-2023/118 issued by the Ministry of Defence of the UAE for camera drones",
        "Tovar ne podpadaet pod gosoboronzakaz: pnevmotsilindry Festo, 20 sht",
        "The goods are not destined for the Russian Ministry of Defence, any military unit or the so-called special "
        "military operation",
    ],
)
def test_false_hits_avoided(flag, text):
    assert flag(text) == 0


def test_bad_rule_names_file_and_line(tmp_path):
    rules = tmp_path / "m.txt"
    rules.write_text("# comment\nсво\n(unclosed\n", encoding="utf-8")
    with pytest.raises(MarkerRuleError, match=r"m.txt, line 3"):
        MarkerMatcher.from_file(rules)


def test_matcher_pickles():
    import pickle

    m = MarkerMatcher(["сво"], ["не сво"])
    clone = pickle.loads(pickle.dumps(m))
    assert clone("для сво") == 1 and clone("не сво") == 0


def test_prefilter_never_changes_the_answer():
    import re

    from pipeline.text.markers import negated, required_literals

    from .conftest import TINY_CORPUS

    matcher = MarkerMatcher.from_file(RULES)
    assert matcher._pattern_literals is not None
    rules = [re.compile(p) for p in matcher.patterns]
    excl = re.compile("|".join(f"(?:{p})" for p in matcher.exclusions))

    def slow(n: str) -> int:
        """Every exclusion cut at once, every rule tried on every line: the rules' meaning without the shortcuts."""
        cut = excl.sub(" ", n)
        return int(any(not negated(cut, m.start()) for rule in rules for m in rule.finditer(cut)))

    norm = Normaliser()
    texts = TINY_CORPUS.read_text(encoding="utf-8").splitlines() + [
        "в/ч 123", "в / ч 5", "v/ch 5", "поставка мо рф", "для армии", "smo needs", "не для нужд сво"
    ]  # fmt: skip
    for probe in sorted((Path(__file__).resolve().parent / "data").glob("marker_probe*.csv")):
        texts += probe.read_text(encoding="utf-8").splitlines()
    for t in texts:
        n = norm(t)
        assert matcher(n) == slow(n), t
    assert required_literals(r"\bсво\b") == ("сво",)
    assert required_literals(r"(?:ab|cd)ef") == ("ef",) or required_literals(r"(?:ab|cd)ef") == ("ab", "cd")
    assert required_literals(r"\bв ?/ ?ч\b") is None


def test_negation_only_governs_its_own_phrase(flag):
    # a disclaimer elsewhere in the line does not hide a real destination
    assert flag("НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ, ПОСТАВКА ДЛЯ НУЖД СВО") == 1
    assert flag("поставить не позднее 1 марта, для нужд СВО") == 1
    # a purpose phrase that starts again after a comma names a receiver (session 60)
    assert flag("не для военного использования, для нужд Минобороны России") == 1
    assert flag("not for military use, for the Russian MoD") == 1
    assert flag("not for military purposes; consignee: military unit 45807") == 1
    # a negated list stays negated, to its last item
    assert flag("не для нужд Минобороны, СВО и в/ч 12345") == 0
    assert flag("НЕ ДЛЯ НУЖД СВО, ГОЗ") == 0
    assert flag("NOT FOR MILITARY USE OR THE MINISTRY OF DEFENCE") == 0
    assert flag("not for the MoD, not for SVO") == 0


def test_marker_probes_hold(flag):
    """The marker probes MP to MP4 (session 59, tests/data/marker_probe.csv): 2,653 trade lines eight helpers wrote
    for the flag without seeing its rules, 1,990 of them traps or plain lines. The rules were revised on each
    after it was scored, so they now hold the rules: no false flag, and at most the 29 misses left (slang the rules
    leave alone: «на передок» is also a car's front end, «на передовой» the forefront of anything, «ПВД» also a
    plastic; typos such as "Minobrony"; the front line with no side named, a decision of the corpus card)."""
    import csv

    path = Path(__file__).resolve().parent / "data" / "marker_probe.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    false = [r["text"] for r in rows if r["marker"] == "0" and flag(r["text"])]
    missed = [r["text"] for r in rows if r["marker"] == "1" and not flag(r["text"])]
    assert len(rows) == 2653 and sum(r["marker"] == "0" for r in rows) == 1990
    assert false == []
    assert len(missed) <= 29, missed


@pytest.mark.parametrize(
    ("name", "lines", "unmarked", "caught"),
    [
        ("marker_probe_mp5.csv", 669, 500, 163),
        ("marker_probe_mp6.csv", 648, 489, 157),
        ("marker_probe_mp7.csv", 651, 487, 161),
        ("marker_probe_mp8.csv", 643, 482, 155),
        ("marker_probe_mp10.csv", 664, 503, 157),
    ],
)
def test_later_marker_probes_hold(flag, name, lines, unmarked, caught):
    """MP5 to MP8 and MP10 (tests/data/): more rounds by two new helpers each, each scored once blind (README model
    card: MP5 12 false flags on the rules of session 59; MP6 10, MP7 10, MP8 6, MP10 8 on the revisions of session
    60), then revised on: no false flag, and at most the misses left («на передок», a field post written «П/п», which
    is also a payment order, marine brigades and the front with no side named, «СВОих», «на SVO» in Latin letters)."""
    import csv

    rows = list(csv.DictReader((Path(__file__).resolve().parent / "data" / name).open(encoding="utf-8")))
    false = [r["text"] for r in rows if r["marker"] == "0" and flag(r["text"])]
    found = sum(r["marker"] == "1" and flag(r["text"]) for r in rows)
    assert len(rows) == lines and sum(r["marker"] == "0" for r in rows) == unmarked
    assert false == [] and found >= caught, (false, found)


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("Квадрокоптер DJI, ДЛЯ НУЖД  CBO, 5 шт", "ДЛЯ НУЖД  CBO"),  # Latin look-alikes and two spaces, as written
        ("Рации Kenwood. НЕ ДЛЯ НУЖД СВО; получатель: Мин0бороны России", "Мин0бороны"),  # after a negation
        ("Не является товаром военного назначения. Поставка по гособоронзаказу", "гособоронзаказу"),  # after a cut
        ("Дог. № 8/СВО (СВО — станция водоочистки); поставка для нужд Минобороны", "Минобороны"),  # two cuts
        ("Ноутбук Getac B360, 2 шт", ""),
    ],
)
def test_marker_wording_is_the_original_text(text, wording):
    from pipeline.text.markers import original_wording

    matcher = MarkerMatcher.from_file(RULES)
    normalised = Normaliser()(text)
    span = matcher.span(normalised)
    got = "" if span is None else original_wording(text, normalised, span)
    assert got == wording
    assert matcher.mark([text], {0: normalised}) == ([int(bool(wording))], [got])
    if span is not None:
        assert matcher.find(normalised) == normalised[span[0] : span[1]]


@pytest.mark.parametrize(
    ("name", "lines", "unmarked", "most_false", "least_caught"),
    [
        ("marker_probe_mp9.csv", 668, 505, 6, 143),
        ("marker_probe_mp11.csv", 661, 496, 7, 153),
        ("marker_probe_mp12.csv", 607, 457, 1, 147),
        ("marker_probe_mp14.csv", 603, 423, 16, 157),
        ("marker_probe_mp16.csv", 600, 422, 12, 170),
    ],
)
def test_blind_marker_probes_no_worse_than_when_scored(flag, name, lines, unmarked, most_false, least_caught):
    """MP9, MP11 and MP12 (tests/data/): rounds by two more helpers each, scored once blind and not read or revised on
    (README model card): MP9 6 false flags of 505 unmarked, 143 of 163 marked flagged; MP11 (product titles and
    declarations) 7 of 496 and 153 of 165, both on the rules of session 60; MP12 (abbreviations and designations that
    look like markers, and markers written with them; session 61) 1 of 457 and 147 of 150; MP14 (other countries'
    militaries as receivers beside Russian and unnamed units and bases abroad; session 62, the judge of revision R2)
    16 of 423 and 157 of 180; MP16 (goods, models and firms named with marker letters beside real markers; session 62,
    the judge of revision R3) 12 of 422 and 170 of 178 with this test's normaliser (13 with the recipe's). A later
    revision should be scored on them before their lines are read; this holds the floor."""
    rows, unmarked_rows, false, caught = _probe_counts(flag, name)
    assert rows == lines and unmarked_rows == unmarked
    assert false <= most_false and caught >= least_caught, (false, caught)


def test_dump_checks_at_real_proportions_raise_no_false_flag(flag):
    """corpora/unseen/w110 to w117: declaration dumps of four kinds of importer (machinery, electronics, aviation and
    optics, consumer goods) at real proportions, about 3 % of lines marked, written by eight helpers told to write as
    declarants do, not traps (session 61, corpus card), scored once on the rules of session 60: no false flag on their
    2,200 unmarked lines, every marked line flagged. Real dumps carry «не военного назначения», «фронтальный
    погрузчик», «ВЧ», «ВСУ» (an aircraft's auxiliary power unit) on ordinary lines."""
    import csv

    unseen = Path(__file__).resolve().parents[1] / "corpora" / "unseen"
    rows = [r for f in sorted(unseen.glob("w11[0-7]_dump_*.csv")) for r in csv.DictReader(f.open(encoding="utf-8"))]
    false = [r["text"] for r in rows if r["marker"] == "0" and flag(r["text"])]
    missed = [r["text"] for r in rows if r["marker"] == "1" and not flag(r["text"])]
    assert len(rows) == 2273 and sum(r["marker"] == "1" for r in rows) == 73
    assert false == [] and missed == [], (false, missed)


def test_english_trade_dumps_raise_no_false_flag_on_lines_left_unmarked(flag):
    """corpora/unseen/w118 to w121: English trade-data dumps at real proportions (session 61), scored once: no flag on
    their lines left unmarked, 16 of the 18 marked. Six lines the writers marked, other countries' militaries as
    receivers, were set to 0 by the corpus card's decision (session 62), which the rules now follow; the two left
    name the front with no side, which the card leaves unflagged."""
    import csv

    unseen = Path(__file__).resolve().parents[1] / "corpora" / "unseen"
    rows = [
        r for f in sorted(unseen.glob("w1[12][0-9]_trade_en_*.csv")) for r in csv.DictReader(f.open(encoding="utf-8"))
    ]
    false = [r["text"] for r in rows if r["marker"] == "0" and flag(r["text"])]
    caught = sum(r["marker"] == "1" and flag(r["text"]) for r in rows)
    assert len(rows) == 1056 and sum(r["marker"] == "1" for r in rows) == 18
    assert false == [] and caught >= 16, (false, caught)


def test_marker_wording_is_a_piece_of_every_flagged_probe_line():
    """On every flagged line of the probes (about 1,400 in three scripts, look-alike letters, odd spacing), the
    wording is a literal piece of the line and normalises to the words the rule matched."""
    import csv

    from pipeline.text.markers import original_wording

    matcher, norm = MarkerMatcher.from_file(RULES), Normaliser()
    flagged = 0
    for probe in sorted((Path(__file__).resolve().parent / "data").glob("marker_probe*.csv")):
        for row in csv.DictReader(probe.open(encoding="utf-8")):
            text = row["text"]
            normalised = norm(text)
            span = matcher.span(normalised)
            if span is None:
                continue
            flagged += 1
            wording = original_wording(text, normalised, span)
            assert wording in text and norm(wording) == normalised[span[0] : span[1]], (text, wording)
    assert flagged > 1300


def test_literal_index_names_the_rules_a_text_may_match_in_order():
    """Each rule is tried when the text holds one of its required literals, a rule without one always, in rule order."""
    from pipeline.text.markers import _LiteralIndex

    index = _LiteralIndex([("сво",), ("в/ч", "войсков"), None, ("сво", "минобороны")])
    assert index.candidates("для нужд сво") == (0, 2, 3)
    assert index.candidates("войсковая часть 12345, в/ч") == (1, 2)
    assert index.candidates("ноутбук") == (2,)
    assert _LiteralIndex([("сво",)]).candidates("ноутбук") == ()
    assert _LiteralIndex([("сво",), ("сво",)]).candidates("сво") == (0, 1)


@pytest.mark.parametrize(
    "text",
    [
        "Радиостанции 10 шт для в/ч 21548 МО Республики Казахстан",
        "military unit 5512 of the Armed Forces of Uzbekistan, consignee",
        "Rugged laptops for military unit 21548, Ministry of Defence of Kazakhstan",
        "Consignee: Kazakh military unit 21548, Almaty",
        "for the Armed Forces of Ukraine, 20 pcs",
        "для нужд армии Республики Армения",
        "Поставка для Министерства обороны Республики Беларусь, 40 шт",
        "для узбекской армии",
        "для в/ч 3526 ВС РК",
        "для ЗСУ, 5 дронов",
        "Помощь ЗСУ — передали в 24 ОМБр",  # Ukraine's forces as receivers, then their brigade (session 63)
        "Сбор для ВСУ — 93 ОМБр, 5 Мавиков",
    ],
)
def test_other_countries_militaries_as_receivers_are_not_flagged(flag, text):
    assert flag(text) == 0


@pytest.mark.parametrize(
    "text",
    [
        "Радиостанции для в/ч 21548",
        "для в/ч 12345, доставка через Казахстан",  # a route, not whose the unit is
        "в/ч 01162 (201-я российская военная база, Таджикистан)",  # a Russian base abroad
        "military unit 04436, 102nd Russian military base, Gyumri, Armenia",
        "для нужд СВО, против ВСУ",
        "Против ВСУ: передали в 24 ОМБр",  # Ukraine's forces as the enemy, then a brigade by number alone
        "Помощь в борьбе с ВСУ — передали в 24 ОМБр",
        "войсковая часть 12345, г. Алматы",
        "для в/ч 12345 Вооруженных сил РФ",
    ],
)
def test_russian_and_unnamed_units_stay_flagged_beside_other_countries(flag, text):
    assert flag(text) == 1


def test_other_countries_militaries_round_read_and_revised_on(flag):
    """MP13 (tests/data/marker_probe_mp13.csv, session 62): two helpers' lines naming other countries' militaries as
    receivers (marker 0 by the corpus card's decision), Russian and unnamed units and Russian bases abroad (1) and
    look-alikes; scored blind on the rules before (82 false flags of 420, 22 of 181 missed), then read and the rules
    revised on it (R2): 1 false flag left (a Ukrainian brigade after «Помощь ЗСУ —», cut since session 63), 2 missed
    (the front with no side, «на SVO» in Latin letters)."""
    rows, unmarked, false, caught = _probe_counts(flag, "marker_probe_mp13.csv")
    assert rows == 601 and unmarked == 420
    assert false == 0 and caught >= 179, (false, caught)


@pytest.mark.parametrize(
    "text, marked",
    [
        ("Фильтр СВО 2000 для воды", 0),
        ("Установка СВО-М для очистки воды", 0),
        ("Модуль охлаждения СВО 240, алюминий", 0),
        ("для нужд СВО 200 шт", 1),
        ("помощь СВО 2024", 1),  # a year
        ("носки для СВО 300 пар", 1),
        ("участникам СВО 50 комплектов", 1),
        ("Турникеты СВО 100 шт", 1),  # a quantity
        ("сбор на СВО 2000 руб", 1),
    ],
)
def test_svo_as_a_model_name_is_not_flagged_but_svo_before_a_year_or_quantity_is(flag, text, marked):
    assert flag(text) == marked


@pytest.mark.parametrize(
    "text, marked",
    [
        ("МАРКА: СВО. МОДЕЛЬ: СВО-М. Фильтр обратного осмоса", 0),
        ("Поставщик ООО «СВО-Трейд»: кабель ВВГнг 3х2,5, 500 м", 0),
        ("Приёмник ГНСС СВО-Нав 2, 12 каналов", 0),
        ("Окно ПВХ ГОЗ-Термо 1300х1400", 0),
        ("Drone detector model GOZ-A1, 3 km", 0),
        ("Продавец: АО «Опытный завод» (ГОЗ). Шестерня редуктора", 0),
        ("поставка по ГОЗ-2024, 10 шт", 1),  # a year, not a name
        ("Лопасти несущего винта Ми-8, получатель ВКС России", 1),
        ("Ремкомплект колёс для ВС России", 1),
        ("komplekty dlya fronta, 100 sht", 1),
    ],
)
def test_marker_letters_as_brand_model_or_firm_names(flag, text, marked):
    assert flag(text) == marked


def test_marker_letter_names_round_read_and_revised_on(flag):
    """MP15 (tests/data/marker_probe_mp15.csv, session 62): two helpers' goods, models and firms named with marker
    letters («СВО 2000», «СВО-Трейд», «ГОЗ-Термо», Sheremetyevo SVO …) beside real markers in the same goods; scored
    blind as the judge of the rule for «СВО» as a model name (28 -> 24 false flags of 420), then read and the rules
    revised on it (R3): no false flag left, 10 of 182 missed (the front line, trenches and brigades with no receiver
    word, which the corpus card leaves unflagged)."""
    rows, unmarked, false, caught = _probe_counts(flag, "marker_probe_mp15.csv")
    assert rows == 602 and unmarked == 420
    assert false == 0 and caught >= 172, (false, caught)


_WORDS = [
    "для", "нужд", "сво", "в/ч", "21548", "мо", "республики", "казахстан", "военного", "назначения", "не", "является",
    "товаром", "гоз-термо", "марка:", "сво-м", "military", "unit", "of", "the", "armed", "forces", "ukraine", "ранее",
    "минобороны", "передало", "«", "»", "(", ")", ",", "2000", "шт", "front", "for", "needs", "ministry", "defence",
]  # fmt: skip


@functools.cache
def _probe_counts(flag, name: str) -> tuple[int, int, int, int]:
    """Lines, unmarked lines, false flags and marked lines flagged of a probe file of tests/data/."""
    import csv

    rows = list(csv.DictReader((Path(__file__).resolve().parent / "data" / name).open(encoding="utf-8")))
    false = sum(r["marker"] == "0" and flag(r["text"]) for r in rows)
    caught = sum(r["marker"] == "1" and flag(r["text"]) for r in rows)
    return len(rows), sum(r["marker"] == "0" for r in rows), false, caught


def _bundled_rules() -> MarkerMatcher:
    return MarkerMatcher.from_file(RULES)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=25).map(" ".join))
def test_exclusions_searched_one_by_one_cut_as_their_alternation(text):
    """The matcher cuts each exclusion on its own (no joined expression compiled per set): the same cuts as the
    exclusions joined in file order."""
    from pipeline.text.markers import _cut, _cut_each

    matcher = _bundled_rules()
    key = matcher._exclusion_index.candidates(text)
    if key:
        each = _cut_each([matcher._exclusion_rx[i] for i in key], text)
        assert each is None or each == _cut(matcher._joined(key), text)


def test_marker_rule_pieces_are_defined_before_use_and_once(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("=LAND казахстан|армения\n!мо (?:{=LAND})\n\\bмо\\b\n", encoding="utf-8")
    m = MarkerMatcher.from_file(good)
    assert m.exclusions == ["мо (?:(?:казахстан|армения))"] and m("для мо казахстан") == 0 and m("для мо") == 1
    for body in ("!мо {=LAND}\n\\bмо\\b\n", "=LAND а\n=LAND б\n\\bмо\\b\n", "=land а\n\\bмо\\b\n"):
        bad = tmp_path / "bad.txt"
        bad.write_text(body, encoding="utf-8")
        with pytest.raises(MarkerRuleError, match="bad.txt, line"):
            MarkerMatcher.from_file(bad)


@pytest.mark.parametrize(
    "text, marked",
    [
        ("Drone batteries 500 pcs, customer note: for the guys at the front, SMO", 1),
        ("SMO fundraiser: 20 radios for our boys at the front", 1),
        ("for the trenches, Russian volunteers hub Belgorod: 100 trench candles", 1),
        ("for the guys at the front, 20 radios", 0),  # no side named
        ("brake pads for the front, 4 pcs", 0),
        ("for the front bumper of a Toyota, SMO Auto Parts", 0),
        ("donations for the front, Ukraine's 47th brigade", 0),
    ],
)
def test_the_front_is_a_marker_only_with_the_russian_side_named(flag, text, marked):
    assert flag(text) == marked

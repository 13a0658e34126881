"""Prose frames for training copies: a description inside sentences of a ruling, a decision or a news report.

Classification rulings, customs decisions and news name the goods once inside sentences about letters, samples,
subheadings, seizures and money. A linear model reads a line's features scaled to one length, so those sentences
dilute the few words that name the goods and a long real text falls to `other` (a ruling on "a ruggedized notebook
PC" scored `other` 0.98). A copy of every training line, of every label, inside invented sentences of that kind
makes them evidence of nothing and teaches the model to find the goods among them. The sentences name no goods and no
military destination.
"""

from __future__ import annotations

import random

_PROSE = {
    "en": {
        "lead": [
            "The merchandise under consideration is {x}.",
            "The item under consideration is described as {x}.",
            "The subject merchandise consists of {x}.",
            "The article at issue is identified as {x}.",
            "The products are {x}, imported in retail packaging.",
            "RE: The tariff classification of {x} from {country}.",
            "Customs officers at {port} found {x} in a shipment from {country}, the agency said.",
            "According to trade records, the company imported {x} worth ${n} million last year.",
            "Among the goods seized at the border were {x}, officials said on {day}.",
            "Records show that {org} paid ${n},000 for {x} in {year}.",
            "The shipment, declared as {x}, was sent from {country} through a trading firm in {place}.",
            "Investigators said the consignment contained {x}.",
        ],
        "extra": [
            "In your letter dated {date}, you requested a tariff classification ruling.",
            "The sample will be returned to your office.",
            "The applicable subheading will be {code}, Harmonized Tariff Schedule of the United States.",
            "The rate of duty will be {rate} percent ad valorem.",
            "This ruling is being issued under the provisions of Part 177 of the Customs Regulations.",
            "Classification is governed by the General Rules of Interpretation, taken in order.",
            "You have provided product literature and photographs for our review.",
            "The goods are packed in cartons of {k} units.",
            "A copy of this ruling should be attached to the entry documents.",
            "The company did not respond to a request for comment.",
            "The deliveries were made between {year} and {year2}, the documents show.",
            "The firm is registered in {place} and has no other known business.",
            "The case was referred to prosecutors in {month}.",
            "The report is based on customs data obtained from a commercial provider.",
        ],
    },
    "ru": {
        "lead": [
            "Товар представляет собой {x}.",
            "Декларантом в графе 31 ДТ заявлены сведения о товаре: {x}.",
            "Товар, заявленный как {x}, поступил в адрес {org_ru}.",
            "Согласно представленным документам, товар – {x}.",
            "Таможенники {post} обнаружили {x} в грузовике, следовавшем из {country_ru}.",
            "Сотрудники таможни выявили партию товара ({x}) общей стоимостью {n} млн рублей.",
            "По данным издания, компания {org_ru} ввезла {x} на сумму {n} млн рублей.",
            "В ходе таможенного досмотра установлено, что в контейнере находится {x}.",
            "В адрес {org_ru} из {country_ru} поступила партия: {x}.",
            "Предметом спора является классификация товара «{x}».",
        ],
        "extra": [
            "В соответствии с ОПИ ТН ВЭД 1 и 6 товар классифицируется в субпозиции {code}.",
            "Таможенным органом принято решение о классификации товара.",
            "Товар поставляется в индивидуальной упаковке по {k} шт.",
            "Сведения подтверждаются коммерческими документами и технической документацией изготовителя.",
            "Общество обратилось в арбитражный суд с заявлением о признании решения недействительным.",
            "Возбуждено дело об административном правонарушении.",
            "Об этом сообщает пресс-служба таможни.",
            "Поставки шли с {year} по {year2} год через посредников в {place_ru}.",
            "Компания зарегистрирована в {month_ru} {year} года.",
            "Суд отказал в удовлетворении заявленных требований.",
            "Товар помещен под таможенную процедуру выпуска для внутреннего потребления.",
            "Стоимость партии составила {n} тыс. долларов.",
        ],
    },
}  # fmt: skip

_VALUES = {
    "country": ["China", "Hong Kong", "Turkey", "the United Arab Emirates", "India", "Kazakhstan", "Germany", "Taiwan"],
    "country_ru": ["Китая", "Турции", "ОАЭ", "Казахстана", "Индии", "Гонконга", "Киргизии", "Армении"],
    "port": ["the port of Vladivostok", "a checkpoint in the Far East", "the Zabaikalsk crossing", "Los Angeles",
             "the Port of Rotterdam", "Helsinki airport", "the Lithuanian border"],
    "post": ["Дальневосточной таможни", "Забайкальской таможни", "Шереметьевской таможни", "Псковской таможни",
             "Владивостокской таможни", "Казанской таможни"],
    "org": ["a Moscow-based distributor", "a trading company in Hong Kong", "an importer in St Petersburg",
            "a Chinese supplier", "a logistics firm in Novosibirsk", "a shell company in Dubai"],
    "org_ru": ["ООО «Альфа»", "АО «Вектор»", "ООО «ТД Восток»", "ООО «Ресурс»", "ООО «Импэкс»", "АО «Северснаб»"],
    "place": ["Hong Kong", "Dubai", "Almaty", "Istanbul", "Yerevan", "Bishkek"],
    "place_ru": ["Гонконге", "Дубае", "Алматы", "Стамбуле", "Ереване", "Бишкеке"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "month": ["January", "March", "May", "July", "September", "November"],
    "month_ru": ["январе", "марте", "мае", "июле", "сентябре", "ноябре"],
}  # fmt: skip


def prose_frame(text: str, lang: str, rng: random.Random) -> str:
    """``text`` inside one sentence of a ruling, decision or news report in ``lang``, with 0-2 more around it."""
    bank = _PROSE[lang]
    values = {key: rng.choice(options) for key, options in _VALUES.items()}
    year = rng.randint(2015, 2024)
    values.update(
        x=text.strip().rstrip("."),
        n=rng.choice([1, 2, 3, 4, 7, 12, 15, 28, 40, 65, 120, 300]),
        k=rng.choice([1, 2, 4, 5, 10, 20, 50, 100]),
        year=year,
        year2=year + rng.randint(1, 2),
        date=f"{rng.choice(values['month'])} {rng.randint(1, 28)}, {year}",
        code=f"{rng.randint(1, 97):02d}{rng.randint(1, 99):02d}.{rng.randint(10, 99)}.{rng.randint(1, 99):02d}00",
        rate=rng.choice(["2.6", "3.9", "free of", "4.4", "5"]),
    )
    lead = rng.choice(bank["lead"]).format(**values)
    extra = [rng.choice(bank["extra"]).format(**values) for _ in range(rng.choice([0, 1, 1, 2]))]
    before = [e for e in extra if rng.random() < 0.5]
    after = [e for e in extra if e not in before]
    return " ".join([*before, lead, *after])

"""Amounts in Russian words for documents: «Сорок две тысячи рублей 50 копеек».

num2words spells the whole part (its currency mode reads integers as kopecks and puts a comma before
the kopecks, which is not how invoices write it); the currency words get Russian plural forms here.

Example:
    >>> amount_in_words(Decimal("42000.50"))
    'Сорок две тысячи рублей 50 копеек'
"""

from __future__ import annotations

from decimal import Decimal

from num2words import num2words

from potok.sales.totals import to_kopecks

# currency → (whole unit forms for 1, 2–4, 5+), (fraction unit forms), whether the whole unit is feminine
CURRENCY_WORDS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    "RUB": (("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек")),
    "USD": (("доллар США", "доллара США", "долларов США"), ("цент", "цента", "центов")),
    "EUR": (("евро", "евро", "евро"), ("цент", "цента", "центов")),
    "CNY": (("юань", "юаня", "юаней"), ("фэнь", "фэня", "фэней")),
}


def plural_form(number: int, forms: tuple[str, str, str]) -> str:
    """The Russian plural form for a number: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    tens, units = number % 100, number % 10
    if 11 <= tens <= 14:
        return forms[2]
    if units == 1:
        return forms[0]
    if 2 <= units <= 4:
        return forms[1]
    return forms[2]


def amount_in_words(amount: Decimal, currency: str = "RUB") -> str:
    amount = to_kopecks(amount)
    sign = "минус " if amount < 0 else ""
    amount = abs(amount)
    whole = int(amount)
    fraction = int((amount - whole) * 100)
    whole_forms, fraction_forms = CURRENCY_WORDS.get(currency, CURRENCY_WORDS["RUB"])
    words = f"{sign}{num2words(whole, lang='ru')} {plural_form(whole, whole_forms)} {fraction:02d} {plural_form(fraction, fraction_forms)}"
    return words[:1].upper() + words[1:]

"""Serbian script conversion and search folding.

Serbian is written in both Cyrillic and Latin; the two map one to one (with
three Latin digraphs: lj, nj, dž). Editors type in either script; readers choose
theirs. Search folds every text to plain Latin without diacritics, so that
"Stefanovic", "Stefanović" and "Стефановић" meet.
"""

import unicodedata

CYRILLIC_TO_LATIN = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Ђ": "Đ", "Е": "E", "Ж": "Ž", "З": "Z",
    "И": "I", "Ј": "J", "К": "K", "Л": "L", "Љ": "Lj", "М": "M", "Н": "N", "Њ": "Nj", "О": "O",
    "П": "P", "Р": "R", "С": "S", "Т": "T", "Ћ": "Ć", "У": "U", "Ф": "F", "Х": "H", "Ц": "C",
    "Ч": "Č", "Џ": "Dž", "Ш": "Š",
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
}

# Latin digraphs first, so "nj" becomes "њ" and not "нј".
LATIN_DIGRAPHS = {
    "Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ", "Dž": "Џ", "DŽ": "Џ", "dž": "џ",
}
LATIN_TO_CYRILLIC = {
    latin: cyrillic for cyrillic, latin in CYRILLIC_TO_LATIN.items() if len(latin) == 1
}

# Latin letters with no Serbian Cyrillic counterpart, for foreign names.
FOREIGN_LATIN = {"Q": "Кју", "q": "кју", "W": "В", "w": "в", "X": "Кс", "x": "кс", "Y": "И", "y": "и"}


def to_latin(text):
    """Serbian Cyrillic to Serbian Latin; other characters are kept."""
    if not text:
        return text
    return "".join(CYRILLIC_TO_LATIN.get(char, char) for char in text)


def to_cyrillic(text):
    """Serbian Latin to Serbian Cyrillic.

    Web addresses and e-mail addresses are kept in Latin, as Serbian Cyrillic
    text does.
    """
    if not text:
        return text
    words = text.split(" ")
    return " ".join(word if _keep_latin(word) else _word_to_cyrillic(word) for word in words)


def _keep_latin(word):
    return "://" in word or "@" in word or word.startswith("www.")


def _word_to_cyrillic(word):
    result, index = [], 0
    while index < len(word):
        pair = word[index : index + 2]
        if pair in LATIN_DIGRAPHS:
            result.append(LATIN_DIGRAPHS[pair])
            index += 2
            continue
        char = word[index]
        result.append(LATIN_TO_CYRILLIC.get(char) or FOREIGN_LATIN.get(char, char))
        index += 1
    return "".join(result)


def to_script(text, language_code):
    """Show Serbian ``text`` in the script of the active interface language."""
    if language_code == "sr-cyrl":
        return to_cyrillic(to_latin(text))
    if language_code == "sr-latn":
        return to_latin(text)
    return text


def fold(text):
    """Lower-case plain Latin without diacritics, for search: Стефановић → stefanovic."""
    if not text:
        return ""
    latin = to_latin(text).replace("đ", "dj").replace("Đ", "Dj")
    decomposed = unicodedata.normalize("NFKD", latin)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()

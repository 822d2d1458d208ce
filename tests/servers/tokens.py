"""A stand-in tokenizer for the fake providers: counts like a BPE tokenizer would, roughly.

Words of up to ten letters are a token, longer ones one per ten letters; digits go
three to a token (as OpenAI's o200k does); runs of punctuation two to a token; every
other character (a non-Latin letter, an emoji) is a token. English prose comes out
at about four and a half characters a token, JSON with numeric ids nearer three: not
the four that prefect-voc first assumes, so its correction from reported counts has
something to correct.
"""

import re

TOKEN = re.compile(r"[A-Za-z]{1,10}|\d{1,3}|[^\w\s]{1,2}|\S")


def count(text: str) -> int:
    """Tokens in `text` (at least 1)."""
    # The number of matches, without making a string of each (`findall` did): the
    # same count in about two thirds of the CPU, which the benchmarks' server shares
    # with the client on the same cores.
    return max(1, TOKEN.subn("", text)[1])


def cut(text: str, tokens: int) -> str:
    """The start of `text` that holds its first `tokens` tokens."""
    for index, match in enumerate(TOKEN.finditer(text)):
        if index == tokens:
            return text[: match.start()]
    return text

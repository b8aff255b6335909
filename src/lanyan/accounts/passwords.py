"""Password policy for accounts that dispatch 119 forces, and a generator whose passwords pass it.

A password is refused, with a reason in Chinese and English for each rule it breaks, when it is
shorter than :data:`MIN_LENGTH`; made of very few different characters (``aaaaaaaaaa``,
``abababab12``); mostly a run of the alphabet, the digits or neighbouring keys (``1234567890``,
``qwerty123!``, ``1qaz2wsx3edc``); contains the user name; uses fewer than three of lower case,
upper case, digits and other characters unless it has :data:`LONG_ENOUGH` characters or more; or
is one of the commonest passwords, give or take case, digits and symbols around it and look-alike
letters (``P@ssw0rd2024!``, ``Woaini1314``, ``Admin@123``).

:func:`check_password` is called by :mod:`lanyan.accounts.service` wherever a password is set
(create, update, reset), so the API, the CLI and the demo go through the same rules;
:func:`generate_password` is what the CLI and the demo use to make one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from lanyan.core.errors import Invalid

MIN_LENGTH = 10
LONG_ENOUGH = 16
"""From this length a password needs no particular mix of character classes (a passphrase)."""
MIN_DISTINCT = 5
RUN_LENGTH = 4
"""Shortest stretch of the alphabet, the digits or a keyboard row that counts as a run."""

_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "`1234567890-=",
    "~!@#$%^&*()_+",
    "qwertyuiop[]\\",
    "qwertyuiop{}|",
    "asdfghjkl;'",
    'asdfghjkl:"',
    "zxcvbnm,./",
    "zxcvbnm<>?",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]\\",
    "!qaz@wsx#edc$rfv%tgb^yhn&ujm*ik<(ol>)p:?",
    "qazwsxedcrfvtgbyhnujmik,ol.p;/",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
)
_RUNS = (*_SEQUENCES, *(s[::-1] for s in _SEQUENCES))

COMMON_PASSWORDS = frozenset(
    {
        # the perennial top of leaked-password lists, worldwide and in China (lower case)
        "password",
        "passwd",
        "qwerty",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "qazwsx",
        "1qaz2wsx",
        "1q2w3e4r",
        "abc123",
        "a123456",
        "aa123456",
        "qq123456",
        "iloveyou",
        "admin",
        "administrator",
        "root",
        "welcome",
        "letmein",
        "monkey",
        "dragon",
        "master",
        "sunshine",
        "princess",
        "football",
        "baseball",
        "superman",
        "batman",
        "trustno",
        "shadow",
        "michael",
        "changeme",
        "default",
        "guest",
        "test",
        "secret",
        "woaini",
        "woaini1314",
        "5201314",
        "1314520",
        "huawei",
        "lanyan",
        "xiaofang",
        "huojing",
        "diaodu",
        "fire",
    }
)
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s"})
_LEET.update(str.maketrans({"5": "s", "7": "t", "8": "b", "9": "g", "|": "l", "+": "t"}))
_NOT_LETTERS = re.compile(r"^[^a-z]+|[^a-z]+$")

# no look-alike characters (0/O, 1/l/I): generated passwords are read off a screen and typed
_GENERATOR_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class PasswordProblem:
    """One rule a password breaks: a code for programs and a reason for people."""

    code: str
    zh: str
    en: str


def _classes(password: str) -> int:
    """Of lower case, upper case, digits and anything else (symbols, spaces, 汉字), how many."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
        )
    )


def _run_covered(lowered: str) -> int:
    """How many characters lie in runs of the alphabet, the digits or a keyboard row."""
    covered = [False] * len(lowered)
    for start in range(len(lowered)):
        end = start + RUN_LENGTH
        if end > len(lowered) or not any(lowered[start:end] in run for run in _RUNS):
            continue
        while end < len(lowered) and any(lowered[start : end + 1] in run for run in _RUNS):
            end += 1
        covered[start:end] = [True] * (end - start)
    return sum(covered)


def _alnum(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _contains_username(password: str, username: str) -> bool:
    haystack = _alnum(password)
    name = _alnum(username)
    if len(name) >= 3 and (name in haystack or name[::-1] in haystack):
        return True
    parts = (_alnum(p) for p in re.split(r"[_.\-]", username))
    return any(len(part) >= 4 and part in haystack for part in parts)


def _is_common(lowered: str) -> bool:
    core = _NOT_LETTERS.sub("", lowered)  # Admin@123 → admin, p@ssw0rd! → p@ssw0rd
    leet_core = _NOT_LETTERS.sub("", lowered.translate(_LEET))  # P@ssw0rd → password
    return bool({lowered, core, leet_core, core.translate(_LEET)} & COMMON_PASSWORDS)


def password_problems(password: str, *, username: str = "") -> list[PasswordProblem]:
    """Every rule of the policy that ``password`` breaks (empty when it is acceptable)."""
    lowered = password.lower()
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            PasswordProblem(
                "too_short",
                f"密码至少需要 {MIN_LENGTH} 个字符",
                f"a password needs at least {MIN_LENGTH} characters",
            )
        )
    most = max((password.count(c) for c in set(password)), default=0)
    if len(set(password)) < MIN_DISTINCT or most * 2 > len(password):
        problems.append(
            PasswordProblem(
                "repetitive",
                "密码中重复的字符太多（如 aaaaaaaaaa、ababababab）",
                "too many repeated characters (like aaaaaaaaaa, ababababab)",
            )
        )
    if password and _run_covered(lowered) * 2 >= len(password):
        problems.append(
            PasswordProblem(
                "sequence",
                "密码主要由连续字符或键盘上相邻的键组成（如 1234567890、abcdef、qwerty、1qaz2wsx）",
                "mostly a run of letters, digits or neighbouring keys (like 1234567890, qwerty)",
            )
        )
    if username and _contains_username(password, username):
        problems.append(
            PasswordProblem(
                "contains_username", "密码不能包含用户名", "the password contains the user name"
            )
        )
    if _classes(password) < 3 and len(password) < LONG_ENOUGH:
        problems.append(
            PasswordProblem(
                "few_classes",
                "密码须包含大写字母、小写字母、数字、符号中的至少三类，"
                f"或长度不少于 {LONG_ENOUGH} 个字符",
                "use at least three of upper case, lower case, digits and symbols,"
                f" or {LONG_ENOUGH} characters or more",
            )
        )
    if _is_common(lowered):
        problems.append(
            PasswordProblem(
                "common",
                "这是最常见的弱密码之一，极易被猜中",
                "one of the commonest passwords, guessed first",
            )
        )
    return problems


def check_password(password: str, *, username: str) -> None:
    """Refuse a weak password (422) with every reason, each also under ``errors``.

    Raises
    ------
    lanyan.core.errors.Invalid
        When :func:`password_problems` finds anything.
    """
    problems = password_problems(password, username=username)
    if not problems:
        return
    raise Invalid(
        "密码强度不足：" + "；".join(p.zh for p in problems),
        "weak password: " + "; ".join(p.en for p in problems),
        errors=[
            {"field": "password", "reason": p.zh, "reason_en": p.en, "type": f"password.{p.code}"}
            for p in problems
        ],
    )


def generate_password(*, username: str = "", length: int = LONG_ENOUGH) -> str:
    """A random password that passes the policy (for ``username``), without look-alike characters.

    Parameters
    ----------
    username
        The account it is for, so the password never contains the name.
    length
        At least :data:`MIN_LENGTH`; the default :data:`LONG_ENOUGH` passes on length alone.
    """
    if length < MIN_LENGTH:
        raise ValueError(f"a generated password needs at least {MIN_LENGTH} characters")
    while True:  # a draw that breaks a rule (a run, a name) is rare: draw again
        password = "".join(secrets.choice(_GENERATOR_ALPHABET) for _ in range(length))
        if not password_problems(password, username=username):
            return password

"""Realistic learner replies for the load tests: a mix of MI codes, in Danish and English.

The mix is what a course of beginners actually types: mostly questions and reflections, some
affirmations and autonomy support, and a fair share of the righting reflex (advice, persuasion,
confrontation) that the coach is there to catch.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

DANISH: tuple[str, ...] = (
    # open questions
    "Hvad tænker du selv om at komme her i dag?",
    "Hvad ville være vigtigt for dig i et job?",
    "Hvordan har de sidste to år været for dig?",
    "Hvad var det ved den sidste praktik, der gjorde den så dårlig for dig?",
    "Hvilke slags opgaver har du det bedst med?",
    "Hvad skulle der til, for at du fik lyst til at prøve igen?",
    "Fortæl lidt om, hvordan en god dag ser ud for dig.",
    "Hvad er du mest bekymret for, hvis du starter på arbejde?",
    # closed questions
    "Har du haft et job, du var glad for?",
    "Er du klar til at starte i næste uge?",
    "Sover du ordentligt om natten?",
    # simple reflections
    "Du har ikke lyst til en praktik igen.",
    "Du er træt af at blive sendt rundt.",
    "Otte timer stillesiddende går ikke for dig.",
    # complex reflections
    "Du er her, fordi andre mener det, ikke fordi du selv har valgt det.",
    "Det lyder som om du på den ene side gerne vil have et arbejde, og på den anden side er bange for at det går galt igen.",  # noqa: E501
    "Du ved præcis, hvad der ikke virker for dig, og du gider ikke blive presset ind i endnu en kasse.",
    "Det er vigtigt for dig, at det denne gang handler om noget, du selv har valgt.",
    # affirmations
    "Det er flot, at du er kommet i dag, selvom det var svært.",
    "Du har virkelig holdt ud i en hård periode.",
    # autonomy
    "Det er helt dit valg, hvad du vil.",
    "Det er dig, der bestemmer tempoet.",
    # seeking collaboration / permission
    "Må jeg fortælle lidt om, hvordan IPS fungerer?",
    "Skal vi kigge på det sammen?",
    # giving information
    "Mange i din situation starter med ti timer om ugen.",
    # persuade / advice
    "Du skal bare tage den praktik, det er det bedste for dig.",
    "Du burde søge noget på lager, det passer godt til dig.",
    # confront
    "Nu må du altså tage dig sammen.",
    "Det er bare undskyldninger.",
)

ENGLISH: tuple[str, ...] = (
    "What brings you here today?",
    "How do you feel about your drinking these days?",
    "What would be different if you cut down?",
    "What worries you most about stopping?",
    "Tell me about a good week you had recently.",
    "Do you drink every day?",
    "Have you tried to stop before?",
    "You're here because your wife asked you to.",
    "You don't think it's a problem.",
    "Part of you enjoys the evenings at the pub, and part of you is worried about what it does to your family.",
    "It sounds like being a good father matters a lot to you.",
    "You've already done a lot to keep your job going.",
    "It's completely up to you what you do with this.",
    "Would it be okay if I shared some information about drinking and sleep?",
    "Many people find it easier to start with a few dry days a week.",
    "You should really stop drinking, it's bad for you.",
    "You need to face the fact that you are an alcoholic.",
    "That's just an excuse.",
)

REPLIES: Mapping[str, Sequence[str]] = {"da": DANISH, "en": ENGLISH}


def pick(lang: str, rng: random.Random) -> str:
    """One reply in `lang` (Danish when the language has no list)."""
    pool = REPLIES.get(lang, DANISH)
    return pool[rng.randrange(len(pool))]


__all__ = ["DANISH", "ENGLISH", "REPLIES", "pick"]

"""The MI coder's rules: realistic learner replies in Danish and English, per code family.

Each case is (reply, the client's last line, expected primary code). The client lines are the kind
the scenarios use: Mette (Danish IPS job candidate) and Dave (English, alcohol).

The rules supply the evidence shown to learners and their own primary code, which the trained model
(tests/test_coder_model.py) uses as a feature and, for the codes its training data cannot teach, as
the answer. So the expectations here are checked on the rules-only coder (`Coder(model=None)`);
`test_shipped_coder_agrees_with_the_hand_coded_cases` checks the shipped coder on the same cases.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coded_reply import CodedReply
from bot.coder import Coder, analyse, decide, detect_language
from bot.coder.language import parse_cues
from bot.coder.lexicon import LexiconError, load_lexicon, parse_lexicon, parse_yaml, read_data_file
from bot.coder.rules import MAX_TEXT_CHARS
from state_machines.codes import REFLECTIONS, VALENCE, Code, Valence

ROOT = Path(__file__).resolve().parent.parent

C = Code

# Danish client lines.
JOB = "Min sagsbehandler synes, jeg skal have et job, men jeg er bange for at gå ned med stress igen."
DRINK = "Jeg drikker nok lidt for meget i weekenden, men det gør alle mine venner også."
UNSURE = "Jeg ved ikke rigtig, om jeg kan klare et arbejde. Det gik jo galt sidst."
ASKS = "Hvad synes du, jeg skal gøre?"
YES = "Ja, fortæl bare."
# English client lines.
SMOKE = "My wife keeps nagging me about my smoking, but it's the only thing that calms me down."
BEER = "I mean, I drink a bit at weekends, but everyone at work does."
STUCK = "I don't know. I've tried to quit before and it never lasts."
WHAT_NOW = "What should I do?"
SURE = "Sure, go ahead."

@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder(model=None)


def check_contract(reply: CodedReply, text: str) -> None:
    """What every coded reply promises, whatever the text."""
    assert reply.codes and reply.codes[0] is reply.primary
    assert len(set(reply.codes)) == len(reply.codes)
    assert reply.valence is VALENCE[reply.primary]
    assert reply.lang in ("da", "en")
    for item in reply.evidence:
        assert item.code in reply.codes
        assert item.text and item.text in text, item
    assert set(reply.to_json()) == {"primary", "codes", "valence", "lang", "evidence"}


DANISH: dict[Code, list[tuple[str, str]]] = {
    C.OPEN_QUESTION: [
        ("Hvordan har du det med at komme her i dag?", JOB),
        ("hvad tænker du selv om det", JOB),
        ("Fortæl mig lidt mere om weekenderne.", DRINK),
        ("Hvad ville være anderledes, hvis du drak lidt mindre?", DRINK),
        ("hvordn har du det med dt", JOB),
        ("Kan du fortælle lidt om, hvad der skete sidste gang?", UNSURE),
        ("Hvilke tanker gør du dig om fremtiden?", JOB),
        ("Hvornår har du det bedst på en arbejdsdag?", UNSURE),
        ("Hvad tror du selv, du skal gøre?", ASKS),
        ("Hvad tror du, der sker, hvis du fortsætter sådan?", DRINK),
    ],
    C.CLOSED_QUESTION: [
        ("Er du bange for at gå ned med stress igen?", JOB),
        ("Har du prøvet at skære ned før", DRINK),
        ("Drikker du hver weekend?", DRINK),
        ("Vil du gerne have et job?", JOB),
        ("Tror du selv, at det er et problem", DRINK),
        ("kan du se dig selv i et job", JOB),
        ("Synes du det er for meget?", DRINK),
        ("Er der noget, der kunne gøre det lettere?", UNSURE),
        ("Har du talt med din læge om det", JOB),
    ],
    C.SIMPLE_REFLECTION: [
        ("Du drikker lidt for meget i weekenden.", DRINK),
        ("Så du drikker mest i weekenden sammen med dine venner.", DRINK),
        ("Din sagsbehandler synes, du skal have et job.", JOB),
        ("Du er ikke sikker på, at du kan klare et arbejde.", UNSURE),
        ("Alle dine venner drikker også", DRINK),
        ("Du drikker i weekenden, ikke?", DRINK),
        ("du tvivler på om du kan klare det", UNSURE),
        ("Det gik galt sidst.", UNSURE),
    ],
    C.COMPLEX_REFLECTION: [
        ("På den ene side vil du gerne have et job, på den anden side er du bange for at blive syg igen.", JOB),
        ("Du vil gerne arbejde, men samtidig er du bange for at gå ned igen.", JOB),
        ("Det lyder som om du er bekymret for, hvad der sker, hvis du ikke kan holde til det.", UNSURE),
        ("En del af dig er træt af at stå uden for arbejdsmarkedet.", JOB),
        ("Det er vigtigt for dig ikke at ende samme sted som sidst.", UNSURE),
        ("Det vigtige for dig er at passe på dig selv.", JOB),
        ("Du vil gerne være en del af fællesskabet med dine venner, og samtidig mærker du, at det koster noget.",
         DRINK),
        ("Du er bange for at skuffe dig selv igen, ikke?", UNSURE),
        ("Du er her, fordi andre synes det, ikke fordi du selv har valgt det.", JOB),
    ],
    C.AFFIRM: [
        ("Det er flot, at du er kommet i dag.", JOB),
        ("Du har allerede gjort meget for at komme videre.", JOB),
        ("Det kræver mod at sige det højt.", DRINK),
        ("Du har virkelig kæmpet for at komme tilbage.", UNSURE),
        ("Det er stærkt, at du tør se på det.", DRINK),
        ("Du er god til at mærke efter, hvad du har brug for.", JOB),
        ("godt gået at du har skåret ned", DRINK),
        ("Det siger meget om dig, at du tager det så alvorligt.", UNSURE),
    ],
    C.EMPHASIZE_AUTONOMY: [
        ("Det er dit valg.", DRINK),
        ("Det er helt op til dig, hvad du vil gøre med det.", DRINK),
        ("Du bestemmer selv, om du vil ændre noget.", DRINK),
        ("Du behøver ikke beslutte noget i dag.", JOB),
        ("det er din beslutning", JOB),
        ("Du styrer selv tempoet.", UNSURE),
        ("Uanset hvad du vælger, er det dig, der bestemmer.", JOB),
        ("Du kan gå i dit eget tempo.", UNSURE),
    ],
    C.SEEK_COLLABORATION: [
        # The client's expertise acknowledged, as "You know yourself best." below (data/coder/README.md, rule 8).
        ("Du kender dig selv bedst.", UNSURE),
        ("Skal vi sammen se på, hvad der kunne være et godt første skridt?", JOB),
        ("Hvad synes du, vi skal fokusere på i dag?", JOB),
        ("Lad os finde ud af det sammen.", UNSURE),
        ("Hvordan kan jeg bedst hjælpe dig?", UNSURE),
        ("Hvad vil du gerne tale om i dag?", JOB),
        ("Hvor vil du gerne starte?", JOB),
        ("Vi kunne kigge på det sammen, hvis du har lyst.", UNSURE),
        ("Hvad kan jeg hjælpe dig med?", JOB),
    ],
    C.ASK_PERMISSION: [
        ("Må jeg fortælle dig lidt om, hvad andre har gjort?", DRINK),
        ("Er det ok, hvis jeg deler nogle tanker om det?", DRINK),
        ("Vil du gerne høre, hvad IPS går ud på?", JOB),
        ("Har du lyst til at høre lidt om, hvad andre i din situation har gjort?", JOB),
        ("Må jeg spørge om noget personligt", DRINK),
        ("Er det i orden, at jeg fortæller lidt om alkohol og søvn?", DRINK),
        ("Kan jeg komme med et forslag?", ASKS),
        ("Har du noget imod, at jeg siger, hvad jeg tænker?", UNSURE),
    ],
    C.GIVING_INFORMATION: [
        ("Mange oplever, at det er svært at komme tilbage efter en sygemelding.", JOB),
        ("IPS betyder, at vi hjælper dig med at finde et job på almindelige vilkår.", JOB),
        ("Sundhedsstyrelsen anbefaler højst 10 genstande om ugen.", DRINK),
        ("Forskning viser, at alkohol øger risikoen for angst.", DRINK),
        ("Det er helt almindeligt at være i tvivl i starten.", UNSURE),
        ("Du kan få hjælp fra en jobkonsulent i op til et år.", JOB),
        ("Vi har et tilbud om en mentor på arbejdspladsen.", UNSURE),
        ("De fleste i IPS starter med få timer om ugen.", JOB),
    ],
    C.PERSUADE_WITH_PERMISSION: [
        ("Nu hvor du siger ok, så kunne en mulighed være at holde en fri weekend.", YES),
        ("En mulighed kunne være at starte med få timer – men det er helt dit valg.", JOB),
        ("Du kunne prøve at drikke vand mellem øllene, hvis du har lyst.", DRINK),
        ("Nogle finder det nyttigt at skrive ned, hvor meget de drikker. Du kan selv vurdere, om det passer til dig.",
         DRINK),
        ("Jeg vil foreslå, at du starter med ti timer om ugen.", ASKS),
        ("Du kunne overveje at tale med din læge om det.", YES),
        ("Mit forslag er at du prøver en måned uden alkohol, men det er din beslutning.", DRINK),
        ("Siden du spørger: prøv at starte med en praktik.", ASKS),
    ],
    C.PERSUADE: [
        ("Du skal stoppe med at drikke.", DRINK),
        ("Du bør skære ned.", DRINK),
        ("Du burde tage dig et job.", JOB),
        ("Hvorfor drikker du ikke bare mindre?", DRINK),
        ("Det bedste du kan gøre er at finde nye venner.", DRINK),
        ("Prøv at drikke vand mellem øllerne.", DRINK),
        ("Du må holde op med at drikke så meget.", DRINK),
        ("Hvorfor tager du ikke bare det job?", JOB),
        ("Jeg synes, du skal tage den praktik.", UNSURE),
        ("Det er vigtigt, at du kommer i gang igen. Har du tænkt på det?", JOB),
    ],
    C.CONFRONT: [
        ("Du er alkoholiker.", DRINK),
        ("Det er ikke i orden at drikke så meget.", DRINK),
        ("Du lyver for dig selv.", DRINK),
        ("Hvis du ikke stopper, så mister du dit job.", DRINK),
        ("Det er noget vrøvl, alle dine venner drikker ikke.", DRINK),
        ("Du tager fejl.", UNSURE),
        ("Tag dig nu sammen.", UNSURE),
        ("Seriøst? Det tror jeg ikke på.", DRINK),
        ("Du er bare doven.", JOB),
        ("Det er jo bare undskyldninger.", UNSURE),
    ],
    C.OTHER: [
        ("Hej", ""),
        # Thanks, even for honesty, are small talk by the labelling rules (other 39:2 in the Danish dev set).
        ("Tak fordi du er så ærlig.", DRINK),
        ("ok", DRINK),
        ("mm", DRINK),
        ("Godmorgen Mette, velkommen.", ""),
        ("Det regner i dag.", DRINK),
        ("ja ja", DRINK),
        ("Tak for i dag, vi ses på torsdag.", JOB),
        ("Okay.", UNSURE),
    ],
}

ENGLISH: dict[Code, list[tuple[str, str]]] = {
    C.OPEN_QUESTION: [
        ("What brings you here today?", BEER),
        ("how do you feel about that", SMOKE),
        ("Tell me more about your weekends.", BEER),
        ("What would be different if you drank less?", BEER),
        ("wat do u think about that", SMOKE),
        ("Could you tell me what a typical week looks like?", BEER),
        ("What do you think would happen if you keep drinking like this?", BEER),
    ],
    C.CLOSED_QUESTION: [
        ("Do you drink every weekend?", BEER),
        ("Are you worried about your health?", SMOKE),
        ("Is it hard to stop?", SMOKE),
        ("have you tried quitting before", SMOKE),
        ("Would you like to stop?", SMOKE),
        ("Did your doctor say anything?", SMOKE),
    ],
    C.SIMPLE_REFLECTION: [
        ("You drink at weekends with people from work.", BEER),
        ("So you drink mostly at weekends.", BEER),
        ("Your wife keeps nagging you.", SMOKE),
        ("Smoking calms you down.", SMOKE),
        ("It's the only thing that calms you down, right?", SMOKE),
        ("You've tried to quit before.", STUCK),
    ],
    C.COMPLEX_REFLECTION: [
        ("It sounds like smoking is how you cope with stress, and at the same time you're tired of the fights.", SMOKE),
        ("Part of you wants to quit, and part of you is scared of losing your way to relax.", SMOKE),
        ("On one hand you enjoy drinking with your colleagues, on the other hand you're worried about it.", BEER),
        ("Being a good husband matters a lot to you.", SMOKE),
        ("You're afraid that without cigarettes you'll fall apart.", SMOKE),
        ("You're discouraged, because it never lasts, and yet here you are, trying again.", STUCK),
    ],
    C.AFFIRM: [
        ("It took courage to come here today.", BEER),
        ("You've already cut down a lot, that's impressive.", SMOKE),
        ("You've worked really hard on this.", STUCK),
        ("You've been really honest with yourself about this.", BEER),
        ("You're clearly someone who cares about his family.", SMOKE),
        ("Good for you for trying again.", STUCK),
    ],
    C.EMPHASIZE_AUTONOMY: [
        ("It's up to you.", BEER),
        ("It's your choice what you do with this.", BEER),
        ("You decide what happens next.", SMOKE),
        ("You don't have to decide anything today.", SMOKE),
        ("whatever you decide is fine with me", BEER),
        ("Nobody can make that decision for you.", STUCK),
    ],
    C.SEEK_COLLABORATION: [
        # The client's expertise acknowledged (MITI 4.2.1 seek collaboration; so the learner replies are labelled).
        ("You know yourself best.", STUCK),
        ("Let's figure out together what might work for you.", STUCK),
        ("What would you like to focus on today?", BEER),
        ("How can I best help you?", STUCK),
        ("Where would you like to start?", SMOKE),
        ("We could look at this together.", STUCK),
        ("What would be most helpful for you today?", BEER),
    ],
    C.ASK_PERMISSION: [
        ("May I share some information about drinking?", BEER),
        ("Would it be ok if I told you what other people have tried?", STUCK),
        ("Is it okay if I share a concern?", BEER),
        ("Would you like to hear some ideas?", STUCK),
        ("can I tell you what I know about nicotine patches", SMOKE),
        ("Do you mind if I ask about your drinking?", BEER),
    ],
    C.GIVING_INFORMATION: [
        ("Research shows that drinking more than 14 units a week increases the risk of cancer.", BEER),
        ("Many people find that stress gets worse for a while after they quit.", SMOKE),
        ("Nicotine replacement can double your chances of quitting.", SMOKE),
        ("It's very common to need several attempts before quitting for good.", STUCK),
        ("We have a free group that meets on Tuesday evenings.", STUCK),
        ("The guidelines say no more than 14 units a week.", BEER),
    ],
    C.PERSUADE_WITH_PERMISSION: [
        ("Since you asked, some people find nicotine gum helpful - you can decide if it fits.", WHAT_NOW),
        ("One option could be to have alcohol-free weekdays, but it's up to you.", BEER),
        ("You could try the patch, if you want.", SURE),
        ("I'd suggest setting a quit date, but whatever you decide is fine.", WHAT_NOW),
        ("My suggestion would be to talk to your GP.", WHAT_NOW),
        ("Maybe you could try a week without beer and see what you think.", SURE),
    ],
    C.PERSUADE: [
        ("You should stop drinking.", BEER),
        ("You need to quit smoking.", SMOKE),
        ("Why don't you just drink less?", BEER),
        ("The best thing you can do is quit now.", SMOKE),
        ("Try to drink water between beers.", BEER),
        ("I think you should find new friends.", BEER),
    ],
    C.CONFRONT: [
        # Moralising (labelling rule 6), as the learner-reply labels have "think about your baby" (6 of 6).
        ("You really have to think about your kids. Do you want them to smoke too?", SMOKE),
        ("You're an alcoholic.", BEER),
        ("You're in denial.", BEER),
        ("That's not okay.", BEER),
        ("If you don't stop, you'll end up in hospital.", SMOKE),
        ("You're just making excuses.", STUCK),
        ("Come on, everyone says that.", BEER),
        ("Seriously? You really believe that?", BEER),
    ],
    C.OTHER: [
        ("Hi", ""),
        ("Thank you for being so honest with me.", BEER),  # thanks are small talk (other 6:0 in the dev set)
        ("ok", BEER),
        ("mm-hmm", BEER),
        ("Good morning, welcome!", ""),
        ("It's raining today.", BEER),
        ("thanks", SMOKE),
    ],
}


DOSE = "I keep forgetting my evening dose."
ENGLISH_ROUNDS: list[tuple[str, str, Code]] = [
    # The patterns the blind English batches F and H (2026-11-24) showed, with near misses.
    # The client asks the student's view or for a plan: advice is given with permission; unasked, a push.
    ("honestly id try the vape first", "Patches or the vape, which is actually better? What do you think?",
     C.PERSUADE_WITH_PERMISSION),
    ("honestly id try the vape first", "I smoke about ten a day.", C.PERSUADE),
    ("maybe start with breakfast, something with protein", "can u just give me a meal plan or something",
     C.PERSUADE_WITH_PERMISSION),
    # Advice in other words; "have you thought about" + what the client wants stays a question.
    ("sooner you stop the better honestly", "mm", C.PERSUADE),
    ("the best thing is to stay off it completely", "If I fail a test do I go back inside?", C.PERSUADE),
    ("Legally no, but I'd be open about it.", "Do I have to tell my employer?", C.PERSUADE),
    ("Have you thought about doing some volunteering first?", "Who's going to hire me?", C.PERSUADE),
    ("Have you thought about what you want to do?", "Who's going to hire me?", C.CLOSED_QUESTION),
    # Siding with the prescriber, minimising, sarcastic blame; "you never" as a reproach.
    ("GP prescribed them for a reason tho", "I stopped my tablets because they made me dizzy.", C.CONFRONT),
    ("it's one tablet, it's not hard", DOSE, C.CONFRONT),
    ("so it's your cousin's fault now?", "I end up round my cousin's and it all kicks off.", C.CONFRONT),
    ("you never listen to anyone", DOSE, C.CONFRONT),
    ("no need to have an answer yet", "dunno tbh", C.EMPHASIZE_AUTONOMY),
    # Round H: "if you were me" and "what do you reckon, should I" ask for advice; "let's list", "we could
    # brainstorm" offer to work together.
    ("if it were me id take the day job", "If you were me, would you take the night shift?",
     C.PERSUADE_WITH_PERMISSION),
    ("if it were me id take the day job", "I've been offered a night shift.", C.PERSUADE),
    ("I'd give it a go", "My doctor wants to up my dose. What do you reckon, should I?", C.PERSUADE_WITH_PERMISSION),
    ("Let's list what's worked before.", "I keep forgetting my tablets.", C.SEEK_COLLABORATION),
    ("we could brainstorm a few ideas", "I don't know how to cut down.", C.SEEK_COLLABORATION),
    # Round I (2026-11-24): more ways to ask for ideas; unasked, the same command is a push.
    ("alternate each drink with a water", "Go on then, what do people actually do to cut down? I'm open to ideas.",
     C.PERSUADE_WITH_PERMISSION),
    ("alternate each drink with a water", "I drink about six pints on a Friday.", C.PERSUADE),
    ("honestly id start with breakfast", "What should I actually be eating? Just give me a plan.",
     C.PERSUADE_WITH_PERMISSION),
    # Sarcasm in backchannel words confronts; a plain "yeah" does not.
    ("yeah right", "I only drink at weekends, so I don't see the problem.", C.CONFRONT),
    ("yeah", "I only drink at weekends, so I don't see the problem.", C.OTHER),
    ("thats really irresponsible", "I stopped taking the sertraline. Don't tell my GP.", C.CONFRONT),
    ("of course u should, the doctor knows best", "You're the nurse, you tell me: should I keep taking the statins?",
     C.CONFRONT),
    ("just use them and stop looking for reasons not to", "Do the patches actually work?", C.CONFRONT),
    ("brave to ask that straight out", "Tell me straight, do you think I'm addicted?", C.AFFIRM),
    ("where do u want to start", "So that's the whole mess with the debts.", C.SEEK_COLLABORATION),
    ("take or leave any of these, none of it is compulsory", "What do people do to cut down?",
     C.EMPHASIZE_AUTONOMY),
    # Round J: "I'm listening. What actually works …" asks; reproaches and commands in other words.
    ("put them next to your toothbrush", "Yeah alright, I'm listening. What actually works for remembering?",
     C.PERSUADE_WITH_PERMISSION),
    ("put them next to your toothbrush", "I keep forgetting my blood pressure tablets.", C.PERSUADE),
    ("why on earth didn't you tell your GP", "I stopped taking the sertraline.", C.CONFRONT),
    ("don't be so sensitive, it's just a word", "The nurse told me I'm obese.", C.CONFRONT),
    ("only two subjects, it's not the end of the world", "I'm failing maths and chemistry.", C.CONFRONT),
    ("its ur decision obviously, but id hate to see u throw away your A levels", "I'm thinking of dropping out.",
     C.PERSUADE),
    # Round L (information and advice): advice asked as "have you tried …?", siding with others, a time asked.
    ("Have you tried just having one drink and then switching to water?", "I always end up drunk at parties.",
     C.PERSUADE),
    ("Have you tried stopping before?", "I smoke twenty a day.", C.CLOSED_QUESTION),
    ("have u thought about using a pill box", "I keep forgetting my tablets.", C.PERSUADE),
    ("Have you thought about what you want?", "Everyone has an opinion about my job.", C.CLOSED_QUESTION),
    ("Your GP is right, you can't keep skipping them", "I skip my blood pressure pills sometimes.", C.CONFRONT),
    ("your sister's got a point tbh", "My sister says I drink too much.", C.CONFRONT),
    ("Isn't it a bit selfish to smoke around the baby?", "I only smoke in the kitchen.", C.CONFRONT),
    ("Do you really think five a day is fine for your baby?", "I've cut down to five a day.", C.CONFRONT),
    ("When did you last have a drink?", "I've been drinking less lately.", C.CLOSED_QUESTION),
    ("What happens when you drink?", "I've been drinking less lately.", C.OPEN_QUESTION),
    ("Can I throw an idea at you?", "Mornings are the worst.", C.ASK_PERMISSION),
    ("why a 5 and not a 2?", "Maybe 5. I think I could, but I'm not sure.", C.OPEN_QUESTION),
    # Round N (phone replies and a hard client): short praise, telling the client to calm down, advice in
    # a word after the client asked, the client's own words said back.
    ("respect for even turning up tbh", "Oh great, another job person.", C.AFFIRM),
    ("still showed up tho, respect", "Work? With my anxiety?", C.AFFIRM),
    ("good on u for not giving up", "The patches made me feel sick last time.", C.AFFIRM),
    ("calm down, nobody is attacking u", "My doctor says lose weight, the nurse says lose weight, now you.",
     C.CONFRONT),
    ("what else helps you calm down?", "I get so wound up at work.", C.OPEN_QUESTION),
    ("no need to be rude", "You're just going to tell me to quit. Save your breath.", C.CONFRONT),
    ("small swaps are the way to go, like fizzy drinks for water", "My doctor says lose weight.", C.PERSUADE),
    ("id try the mouth spray, works fast for cravings",
     "The patches made me feel sick last time. Is there anything else I could try?", C.PERSUADE_WITH_PERMISSION),
    ("mention the volunteering", "I've got an interview on Thursday. But what do I say about the gap on my CV?",
     C.PERSUADE_WITH_PERMISSION),
    ("your wife thinks you're an alcoholic?", "My wife thinks I'm an alcoholic.", C.SIMPLE_REFLECTION),
    # Rounds P and Q (chat-app replies; facts asked and unasked).
    ("only a 4? 🙃", "i guess id be a 4 out of 10 on wanting to stop", C.CONFRONT),
    ("fair play for trying it tho", "tried vaping but it just made me want a real one more lol", C.AFFIRM),
    ("where do u wanna start, answers or nerves?", "ok u can give me some tips for the interview",
     C.SEEK_COLLABORATION),
    ("its ur degree and ur life", "i'm thinking of dropping out but my parents would kill me", C.EMPHASIZE_AUTONOMY),
    ("lol everyone feels like that, just get on with it", "what if i cant handle a job", C.CONFRONT),
    ("talk to her tonight, she'll get over it", "My sister doesn't know I'm pregnant yet.", C.PERSUADE),
    ("have a question ready for the end", "yeah ok u can give me some tips for the interview",
     C.PERSUADE_WITH_PERMISSION),
    ("delete the apps for a month", "i spend a bit much on the betting apps, but i win sometimes", C.PERSUADE),
    ("You signed up for full-time, you knew what it involved.", "If I drop down to part-time, do I lose my loan?",
     C.CONFRONT),
    ("i think a vape might suit u better, but see how u feel",
     "Would vaping be better than the gum, do you think? Everyone at work vapes.", C.PERSUADE_WITH_PERMISSION),
    # Rounds R (English written by Danish students) and S (clinicians): "is it okay I tell you", "I will hear
    # if", the client's expertise, working together vs two things used together, "with all due respect".
    ("is it okay i tell you what we know about phones and sleep", "I spend like eight hours a day on my phone.",
     C.ASK_PERMISSION),
    ("I will hear if you have talked with someone at the school about it",
     "I'm failing two subjects and I'm thinking about dropping out.", C.CLOSED_QUESTION),
    ("ur the one who knows what its like day to day", "I'm not sure the job is right for me.", C.SEEK_COLLABORATION),
    ("how would you like us to go about it when we talk to employers",
     "I'd like to work in a kitchen, but with my record no one's gonna hire me.", C.SEEK_COLLABORATION),
    ("Did you use the patches and the gum together, or separately?",
     "I've tried quitting loads of times. Patches, gum, cold turkey.", C.CLOSED_QUESTION),
    ("With all due respect, we wouldn't be involved if there weren't concerns.",
     "Social services are always on my back. I'm a good mum.", C.CONFRONT),
    ("Cooking is a big part of who you are, and there's a real fear that going back could take you somewhere "
     "you never want to be again.", "I used to be a chef before my breakdown.", C.COMPLEX_REFLECTION),
    ("you never listen to anyone", "My wife says I should cut down.", C.CONFRONT),
    # Rounds T (very short phone replies) and U (a practice week): short commands, "what actually works?" asks
    # for advice, offers and agenda questions, correcting and reproach.
    ("try nicotine gum", "I've tried quitting loads of times. What actually works?", C.PERSUADE_WITH_PERMISSION),
    ("try nicotine gum", "I've tried quitting loads of times.", C.PERSUADE),
    ("keep it to 2 pages max", "Can you help me with my CV? I've never done one.", C.PERSUADE_WITH_PERMISSION),
    ("email the landlord first so theres a record", "My landlord won't fix the mould.", C.PERSUADE),
    ("did u even revise", "I failed my second year exams.", C.CONFRONT),
    ("smart to check first", "Is it true I lose my housing benefit?", C.AFFIRM),
    ("I'd wait till you've passed your probation before you say anything.",
     "I got the job at the warehouse! But I haven't told them about my depression.", C.PERSUADE),
    ("Happy to go through the numbers, would you like that?", "What's actually considered heavy drinking?",
     C.ASK_PERMISSION),
    ("Is there anything you'd like to use the time for, now you're here?",
     "I'm only here because the GP sent me.", C.SEEK_COLLABORATION),
    ("With respect, your bloods say otherwise.", "I'm only here because the GP sent me. I'm fine.", C.CONFRONT),
    ("That's a myth though, you won't lose anything.", "If I work, they'll cut off my benefits.", C.CONFRONT),
    ("It's your quit, so take what's useful and leave the rest.", "I'm going to quit on the 1st.",
     C.EMPHASIZE_AUTONOMY),
    # Rounds X-Z (English by Danish and other non-native students; transcribed clinicians): their idioms ...
    ("that you kept on sending them, it says something about how much you want a job",
     "I have sent 40 applications and nobody answers.", C.AFFIRM),
    ("that you think on the university already and plan for it, that is very mature",
     "I want to stop before I start at the university.", C.AFFIRM),
    ("You came today even with all that going on, which I think takes a bit of guts.", "My mum found my stash.",
     C.AFFIRM),
    ("stop to say that, you have many years left on the labour market", "I think I'm too old.", C.CONFRONT),
    ("three times pizza in one week, that is not very clever, is it?", "I ate pizza three times this week.",
     C.CONFRONT),
    ("you think it's smart to smoke when you are pregnant", "I'm pregnant and I've cut down to five a day.",
     C.CONFRONT),
    ("you don't mean that, depression is much worse than some kilos", "I would rather be depressed than fat.",
     C.CONFRONT),
    ("but you cannot stay on sick leave forever", "I have been on sick leave for five months now.", C.CONFRONT),
    ("it would be a waste to stop when you have come so far", "I'm thinking to drop out of my nurse education.",
     C.PERSUADE),
    ("why you don't just put them next to the coffee machine", "I forget the blood pressure pills all the time.",
     C.PERSUADE),
    ("you are the only one who can decide if the education is right for you", "I'm thinking to drop out.",
     C.EMPHASIZE_AUTONOMY),
    ("I could tell you, but you're the one who'll live with it.", "Honestly, what would you do?",
     C.EMPHASIZE_AUTONOMY),
    ("my advice would be max 1-2 glasses, but you know your own body",
     "Is it dangerous to drink alcohol with the pills?", C.PERSUADE_WITH_PERMISSION),
    ("Yeah, so, one thing that works for a lot of people is picking a couple of days a week that are smoke-free. "
     "I'd maybe start with that. But see what fits for you.",
     "If I wanted to cut down rather than stop, how would I even start?", C.PERSUADE_WITH_PERMISSION),
    ("in which situations do you drink most", "I want to cut down but I don't know where to start.", C.OPEN_QUESTION),
    # ... a question for a number is closed (labelling rule 4), as in Danish ...
    ("how many drinks do you have on a Saturday", "I drink only in weekends.", C.CLOSED_QUESTION),
    ("How long have you been drinking?", "I drink only in weekends.", C.CLOSED_QUESTION),
    ("is it right understood that the job sounds interesting, but the money has to be safe first",
     "What happens with my benefits if I take a part time job?", C.COMPLEX_REFLECTION),
    # ... and near misses: an indirect "how much" in a statement, "wake up next day" as plain talk.
    ("it's up to you how much you drink", "My wife says I drink too much.", C.EMPHASIZE_AUTONOMY),
    ("you want to enjoy the party and also wake up next day without the shame",
     "I want to handle the christmas parties.", C.COMPLEX_REFLECTION),
    # Round AA-AB (very short phone replies; MI experts): text spellings, praise, sarcasm, "you could …".
    ("its ur job search not theirs", "my work coach keeps banging on about warehouse jobs", C.EMPHASIZE_AUTONOMY),
    ("thats good self awareness tbh", "weed helps me sleep, without it im up til 4", C.AFFIRM),
    ("4 times, u absolute legend", "went to the gym 4 times this week!!", C.AFFIRM),
    ("set like 3 alarms", "ive missed like every lecture this month", C.PERSUADE),
    ("u could always say ur driving", "ok how do i cut down without being the boring one at pres",
     C.PERSUADE_WITH_PERMISSION),
    ("you could ask for a lower dose at your next appointment", "The pills make me so tired.", C.PERSUADE),
    ("alternate w soft drinks", "ok how do i cut down without being the boring one at pres",
     C.PERSUADE_WITH_PERMISSION),
    ("ok if i share an idea", "ive missed like every lecture this month", C.ASK_PERMISSION),
    ("so how do u expect to pass", "ive missed like every lecture this month", C.CONFRONT),
    ("did u not read the leaflet", "do i have to take them with food or not?", C.CONFRONT),
    ("now aim for a first", "i got a 2:1 on my essay!! first time ever", C.PERSUADE),
    ("see what happens when u actually try", "i got a 2:1 on my essay!! first time ever", C.CONFRONT),
    ("so if ur mates jumped off a bridge", "my mates all drink way more than me so im fine", C.CONFRONT),
    # Near misses: "you don't care" denied, and "you could" inside a question about what to ask.
    ("you don't care about anyone but yourself", "I'm going to the party anyway.", C.CONFRONT),
    ("its not that u dont care, ur just running on nothing", "ive missed like every lecture this month",
     C.SIMPLE_REFLECTION),
    ("Would it be ok if I told you about a couple of things you could ask your doctor about?",
     "The pills make me tired.", C.ASK_PERMISSION),
    # Round AC-AD (IPS employment specialists; long mixed turns by social workers and probation officers).
    ("Yeah, 'everyone was drinking' is what they all say.", "Everyone at the party was drinking.", C.CONFRONT),
    ("You could have choked on your own sick, you know.", "I ended up in A&E.", C.CONFRONT),
    ("I think you're looking for an easy way out.", "If I drop out now, can I go back later?", C.CONFRONT),
    ("so what, you're just going to let your dad decide for you?", "My dad says I should go back to the factory.",
     C.CONFRONT),
    ("you'd be daft to turn a job down over this", "Will I lose my benefits if I take a job?", C.PERSUADE),
    ("Would you be open to me sharing it?", "My son's 15 and I found a bag of weed in his room.", C.ASK_PERMISSION),
    ("shall we sit down with your statement and work through it together?", "Will I lose my benefits?",
     C.SEEK_COLLABORATION),
    ("Five tries shows how much you want this. One option is a lower-strength patch.",
     "The patches make me feel sick. What else is there?", C.PERSUADE_WITH_PERMISSION),
    ("if you're up for it I'd suggest some employer visits this week. no pressure though",
     "I've applied for twelve jobs and heard nothing.", C.PERSUADE_WITH_PERMISSION),
    ("thanks for being straight with me about it, a lot of people wouldn't be",
     "I smoke a bit at night to help me sleep.", C.AFFIRM),
    ("you got yourself out of a hard situation, that was a sensible call", "I heard voices at work and had to go home.",
     C.AFFIRM),
    ("animals it is then, you're the one deciding", "The job centre want me doing warehouse work.",
     C.EMPHASIZE_AUTONOMY),
    # Near misses: "most people wouldn't" inside a reflection; "you have to" inside "a condition you have to meet".
    ("It feels like you're being punished for something most people wouldn't think twice about.",
     "I got a warning for one drink.", C.COMPLEX_REFLECTION),
    ("You're stuck between a condition you have to meet and a side effect that takes away who you are.",
     "My probation says I have to take my meds but they make me feel like a zombie.", C.COMPLEX_REFLECTION),
    # Round AF (2026-11-25): a non-native writer's English.
    ("five goes. you don't give up easily", "I've tried quitting like five times.", C.AFFIRM),
    ("if you don't give up, it will work out", "I've tried quitting like five times.", C.SIMPLE_REFLECTION),
    ("If you don't go to the lectures, of course you fail.", "I'm failing two courses. I don't go to lectures anymore.",
     C.CONFRONT),
    ("Why would you drink at all when you have blood pressure problems?",
     "Is it dangerous to drink alcohol on these pills?", C.CONFRONT),
    ("Why would you want to cut down?", "I'm thinking of cutting down.", C.OPEN_QUESTION),
    ("If you continue like this, you will fail the year.", "I'm failing two courses.", C.CONFRONT),
    # "which one you will regret" names the client's dilemma; "you will regret it" warns.
    ("Both options pull at you, and it's hard to choose when you don't know which one you will regret.",
     "Should I drop out and work for a year, or keep going?", C.COMPLEX_REFLECTION),
    ("If you keep going like this you will regret it.", "Should I drop out and work for a year, or keep going?",
     C.CONFRONT),
    # Round AG (short replies typed on a phone): terse advice after "any tips?", "where would I even start?"
    # is given with permission; unasked, it pushes.
    ("set a number before you go out and stick to it", "any tips for cutting down? I've got a wedding in June",
     C.PERSUADE_WITH_PERMISSION),
    ("start with a couple of weekdays off", "If I wanted to cut back, where would I even start?",
     C.PERSUADE_WITH_PERMISSION),
    ("start with a couple of weekdays off", "I smoke every day.", C.PERSUADE),
    ("use patches this time", "I've tried quitting five times. Always end up back on them.", C.PERSUADE),
    ("tell a mate your deadline", "How do I stop leaving essays till the night before?", C.PERSUADE_WITH_PERMISSION),
    ("go to the rest then", "I've missed like half my lectures this term.", C.PERSUADE),
    ("good shout checking first", "Can I drink on these meds or not?", C.AFFIRM),
    ("any idea how many units that is", "I suppose it's like ten pints on a Saturday.", C.CLOSED_QUESTION),
    # Round AH (Danish students writing English on a phone): "you can maybe …" advises, a feeling named in a
    # word or three reflects it ("no worries" does not), "sounds …" starts a reflection ("sounds good" does not).
    ("you can maybe just try one warehouse job and see how it goes", "My caseworker keeps saying I should apply.",
     C.PERSUADE),
    ("scary.", "Without weed I can't sleep and I get angry at everybody.", C.COMPLEX_REFLECTION),
    ("lot of pressure", "My manager keeps giving me extra shifts and I can't say no.", C.COMPLEX_REFLECTION),
    ("ok no worries", "mm", C.OTHER),
    ("I love it.", "I'm going to start cooking at home again.", C.OTHER),
    ("sounds scary", "I have the interview on Monday.", C.COMPLEX_REFLECTION),
    ("sounds good", "I'll call them tomorrow.", C.OTHER),
    ("sounds like a plan", "I'll call them tomorrow.", C.OTHER),
    ("go for a walk on the break instead", "It's the only break I get at work.", C.PERSUADE),
    ("maybe listen to your wife a little", "My wife says I drink too much.", C.PERSUADE),
    ("think about your baby's lungs", "My girlfriend is pregnant and she wants me to stop.", C.CONFRONT),
    ("honestly it is good you prepare for it already now", "What do I say in an interview about the gap?",
     C.AFFIRM),
    # "you're an adult" as a reproach confronts; said to give the choice back, it does not.
    ("you are an adult, you need to take responsibility for it", "I forget my insulin at the weekends.",
     C.CONFRONT),
    ("You're right, you're an adult and it's your decision.", "I'm 19, it's my life.", C.EMPHASIZE_AUTONOMY),
    ("that is actually the weed that makes you angry", "Weed helps me chill.", C.CONFRONT),
    # A greeting that names the client is small talk; a reflection after it is still a reflection.
    ("hey, good to see u again", "i know i should quit but smoking gets me through a shift", C.OTHER),
    ("good to see you, you sound really worried about the shift", "i know i should quit but smoking gets me "
     "through a shift", C.COMPLEX_REFLECTION),
    # Round AI (UK and Irish students on a phone): a command after a comma keeps its "just"; "you should've …"
    # blames the past ("you shouldn't have to …" does not); Irish "fair play" and "u did good" praise.
    ("employers are crying out for staff, u'll be fine, just apply", "I haven't worked in six years.", C.PERSUADE),
    ("honestly telling someone was the right move, u did good there", "I stopped my antidepressants.", C.AFFIRM),
    ("honestly fair play coming in after something that scary", "I had a seizure last month.", C.AFFIRM),
    ("aw nice, happy birthday to ur mate", "Is it ok to drink on these antibiotics? It's my mate's 30th.", C.OTHER),
    ("maybe u shouldnt have smoked then", "How long does weed stay in your system?", C.CONFRONT),
    ("you shouldn't have to deal with that alone", "My mum is ill and I do everything at home.",
     C.COMPLEX_REFLECTION),
    ("You should have a word with your GP about your sleep.", "I can't sleep without a drink.", C.PERSUADE),
    # Round AJ (Danish students typing English): siding with the doctor against the client confronts, said back
    # as the client's own thought it reflects; "it is clever you …" praises without "that".
    ("The doctor is right, with more weight the operation is more risky", "The doctor said I need to lose weight "
     "before they'll do my knee operation.", C.CONFRONT),
    ("so you think the doctor is right", "The doctor said I need to lose weight before the operation.",
     C.SIMPLE_REFLECTION),
    ("That is just negative thinking. Lots of people have gaps", "I don't see who'd hire someone with a gap.",
     C.CONFRONT),
    ("It is clever you think about this before the interview", "Should I tell them about my diagnosis?",
     C.AFFIRM),
    # Round AK (American students texting): "ur gonna regret it" warns; "treated like u have a problem" is the
    # client's experience, not a judgement; "wanna brainstorm" invites; "should I …?" asks for advice, so
    # "if i were u …" then is given with permission, and without that question it persuades.
    ("dude don't, ur gonna regret it forever", "I'm thinking about dropping out.", C.CONFRONT),
    ("ur sick of being treated like u have a problem", "Everyone's on my case about weed.",
     C.COMPLEX_REFLECTION),
    ("wanna brainstorm other stuff that could help u wind down", "Weed is the only thing that helps me sleep.",
     C.SEEK_COLLABORATION),
    ("if i were u i'd look into a leave, burnout like that doesn't fix itself", "Should I take a semester off? "
     "I'm so burned out I can't read a page.", C.PERSUADE_WITH_PERMISSION),
    ("if i were you i'd just quit", "I hate my job.", C.PERSUADE),
    ("how confident are you from 0-10 you keep going in winter", "I started walking to work.", C.CLOSED_QUESTION),
    # Round AL (UK NHS and social-care staff): "you've stuck with …" praises ("stuck with no way out" is a
    # feeling); "how would you go about it?" asks for advice, so the advice after it has permission.
    ("That's brilliant - you've stuck with the changes week in week out and it's showing.",
     "I've lost a stone since I last saw you!", C.AFFIRM),
    ("you feel stuck with no way out", "I hate my job but I can't leave.", C.COMPLEX_REFLECTION),
    ("I'd probably start by picking two or three nights a week that are drink-free and see how that goes. What do "
     "you think?", "I want to cut down before my holiday in June. How would you go about it?",
     C.PERSUADE_WITH_PERMISSION),
    ("It might be worth trying a patch.", "I smoke 20 a day.", C.PERSUADE),
    # Round AM (US primary care): "you really shouldn't …", "you're gonna want to …", "we need you on …" advise;
    # "you can't believe everything on the internet" and "your health isn't a priority?" confront; "would it help
    # to hear …" asks permission; "any tricks?" asks for advice; thanks that echo the client are small talk.
    ("you really shouldn't be mixing recreational drugs with your prescriptions",
     "Do the gummies mess with my blood pressure meds? I take them for sleep.", C.PERSUADE),
    ("you're gonna want to stay on it, trust me, strokes are no joke",
     "Do I really have to take the blood pressure pill forever?", C.PERSUADE),
    ("I know, but these are all really important, we need you on all three",
     "I'm so tired of all these pills. I feel like a pharmacy.", C.PERSUADE),
    ("you can't believe everything on the internet", "The statin makes my legs ache. I read online it can wreck "
     "your muscles.", C.CONFRONT),
    ("so... your health isn't really a priority?", "Sorry I missed my last two appointments. Work's been crazy.",
     C.CONFRONT),
    ("would it help to hear which ones could maybe be combined?", "I'm so tired of all these pills.",
     C.ASK_PERMISSION),
    ("a lot of my patients keep the bottle next to their toothbrush. you could try that",
     "I keep forgetting my evening dose. Any tricks?", C.PERSUADE_WITH_PERMISSION),
    ("Nice to meet you, too. Thanks for coming in today.", "Hi, Dawn. Nice to meet you.", C.OTHER),
    # Round AN (Australian and New Zealand workers): "if you want any chance …" is a condition, not permission;
    # "you probably should've …" confronts; thanks and congratulations are small talk (other 21:0 and 16:1 in
    # dev); "may as well …" advises.
    ("honestly you should stop today if you want any chance of passing", "How long does weed stay in your system? "
     "I've got a drug test for a mining job in three weeks.", C.PERSUADE),
    ("well you probably should've thought about that before", "I want to work but with my record who's gonna hire "
     "me?", C.CONFRONT),
    ("oh congrats!", "I got offered a job at the servo but it's night shifts.", C.OTHER),
    ("thanks for being honest about it", "I keep forgetting my insulin at lunch.", C.OTHER),
    ("may as well make the most of it and have a look at your drinking while you're here", "Yeah nah, I'm not here "
     "for the grog. The court sent me.", C.PERSUADE),
    # Round AQ (South African and Indian health workers; first and last turns): "do one thing", "kindly …",
    # "better you …" advise; "you should be grateful", "don't fool yourself", "is it fair to …" confront;
    # "old enough to make your own decisions" leaves the choice; a fear said back is no warning; a greeting
    # before the act does not code the reply; "come in, take a seat" is small talk.
    ("do one thing, after food take saunf instead", "I chew gutka after every meal, since college.", C.PERSUADE),
    ("kindly reduce to two sugars first, then one", "I take four sugars in my tea.", C.PERSUADE),
    ("kindly tell me more about that", "I take four sugars in my tea.", C.OPEN_QUESTION),
    ("then better you stop both, bidi also", "I only smoke bidi, not cigarettes. Bidi is less harmful, no?",
     C.PERSUADE),
    ("you should be grateful, there was a time people like you didn't have pills at all", "I'm tired of taking pills "
     "since I was born.", C.CONFRONT),
    ("it is real alcohol, don't fool yourself", "Ag, it's just umqombothi, it's not real alcohol.", C.CONFRONT),
    ("do you think it's fair to smoke when you are carrying a baby?", "I know I'm pregnant but I cut down to five a "
     "day.", C.CONFRONT),
    ("you are old enough now to make your own decisions about your treatment", "I'm tired of taking pills since I "
     "was born.", C.EMPHASIZE_AUTONOMY),
    ("even with all that fear you never stopped your treatment", "I take my pills in the toilet so my wife doesn't "
     "see.", C.COMPLEX_REFLECTION),
    ("you're worried you'll lose your benefits", "What happens to my benefits if I do this job thing?",
     C.COMPLEX_REFLECTION),
    ("you'll lose your benefits", "I don't want to go to the job interview.", C.CONFRONT),
    ("hi, what brings you here today", "Hi. My caseworker said I had to come.", C.OPEN_QUESTION),
    ("hi sam, do you want to work", "Hi. My caseworker said I had to come.", C.CLOSED_QUESTION),
    ("no worries at all, come in, take a seat", "Sorry I'm late, the bus didn't turn up.", C.OTHER),
    ("take a break from it for a week", "I game every night until 3.", C.PERSUADE),
    ("ok, see you on monday", "I'll think about it. No promises.", C.OTHER),
    ("yeah. can I just mention one thing about the helpline before you leave", "I guess that's it then.",
     C.ASK_PERMISSION),
    ("you could start by telling me what got you thinking about quitting", "So... do I just talk, or?",
     C.SIMPLE_REFLECTION),
    # Round AR (first and last turns): "do you want my honest opinion" and "can I email you …" ask; "promise me
    # you'll …" pushes; "same time next week" is small talk.
    ("do you want my honest opinion", "Can you just tell me what I should do?", C.ASK_PERMISSION),
    ("you want my honest opinion", "Can you just tell me what I should do?", C.COMPLEX_REFLECTION),
    ("yes. can I email you a couple of job links before then?", "Okay. So same time next week?", C.ASK_PERMISSION),
    ("good! so now promise me you'll be in class tomorrow morning", "That was better than I thought.", C.PERSUADE),
    ("yes, same time next week, see you then!", "Okay. So same time next week?", C.OTHER),
    # The greetings list is small talk too, at the start of a clause only ("morning Sam", not "the next morning").
    ("hiya", "Hiya. Sorry I'm late.", C.OTHER),
    ("morning Sam, how was the week with the patches?", "Morning.", C.OPEN_QUESTION),
    ("alcohol can make the drowsiness worse the next morning", "Can I have a beer with my new tablets?",
     C.GIVING_INFORMATION),
    # Round AS (Danish students writing English; debt, gambling and diabetes in the UK and Australia): "a good
    # job" is a job, not praise; what others think or said of the client is said back; "take a moment" is no
    # advice; "simple as that" dismisses.
    ("what would a good job look like for you", "I've been out of work for years.", C.OPEN_QUESTION),
    ("ok, take a moment", "My eldest asked me why I'm always sleepy. That really got to me.", C.OTHER),
    ("honestly, you just need to stop eating junk, simple as that", "Go on then, what should I be eating?",
     C.CONFRONT),
    ("it's not as simple as that for you", "Everyone says just stop.", C.SIMPLE_REFLECTION),
    ("that takes budgeting skill", "I've kept the kids fed on next to nothing.", C.AFFIRM),
    ("I see someone who came in on a monday morning to talk about it", "Everybody thinks I'm lazy.", C.AFFIRM),
    ("everybody thinks you are lazy", "Everybody thinks I'm lazy. Maybe they're right.", C.SIMPLE_REFLECTION),
    ("the doctor said you need to lose weight", "My doctor told me I have to lose 20 kilos.", C.SIMPLE_REFLECTION),
    ("I appreciate that you are honest and don't just say what I want to hear", "Maybe a four.", C.AFFIRM),
    # Round AT (autonomy and confront at their fine lines; replies of 1-8 words): siding with the others,
    # "think about the baby", "so you'd rather risk …?" confront; "it'd be a shame to waste …" argues.
    ("its ur call, but she's prob right", "My mum says I'm drinking too much.", C.CONFRONT),
    ("she's right there if you need her", "My mum says I'm drinking too much.", C.SIMPLE_REFLECTION),
    ("you've got to think about the baby now, not just yourself", "Smoking is the only thing that calms me.",
     C.CONFRONT),
    ("so you'd rather risk a stroke?", "I'd rather not take the tablets.", C.CONFRONT),
    # "Think of your baby" moralises (as the dev labels have it); asked, or said of the client, it does not.
    ("ok bye. and think about your daughter next time you reach for a cigarette", "Right, I need to go.", C.CONFRONT),
    ("think of your baby", "I've cut down to five a day, isn't that enough?", C.CONFRONT),
    ("do you ever think about your kids when you drink", "I only drink when they're asleep.", C.CLOSED_QUESTION),
    ("what do you think about your future", "I don't know what I want.", C.OPEN_QUESTION),
    # Round AU: holding a lot together is no collaboration.
    ("ur holding a lot together", "Kids, job, house, and then ten minutes for me.", C.SIMPLE_REFLECTION),
    ("it's your decision of course, but you're halfway through, it'd be a shame to waste that",
     "I'm thinking of quitting the course.", C.PERSUADE),
    # Round AV (US peer-support workers; internationally trained NHS nurses): a warning from where the road ends,
    # "it's that simple", "you can't be picky", "so you lied …?" and telling the client they are not fine
    # confront; "you obviously care" praises; "shall I show you …?" asks permission.
    ("you know where that road ends", "I'm just going to taper myself off, no clinic.", C.CONFRONT),
    ("then don't use, it's that simple", "I keep ending up back at his place.", C.CONFRONT),
    ("it's not that simple for you", "Everyone says just don't use.", C.SIMPLE_REFLECTION),
    ("money is money and you can't be picky right now", "The job is nights at the warehouse.", C.CONFRONT),
    ("so you lied to your doctor?", "I told him I only drink at weekends.", C.CONFRONT),
    ("You are not fine, your sugar was 18.", "I am fine, nurse.", C.CONFRONT),
    ("you're not fine with that", "They want me on insulin.", C.SIMPLE_REFLECTION),
    ("you obviously care about her and the baby", "I don't want her seeing me like this.", C.AFFIRM),
    ("you obviously don't care", "I don't want her seeing me like this.", C.CONFRONT),
    ("Good question, shall I show you on this chart?", "How much is a unit?", C.ASK_PERMISSION),
    ("you are doing so much for him day and night, that is real devotion", "I am up with him every night.",
     C.AFFIRM),
    # Round AW (replies of 1-6 words typed as texts; long turns in mandated settings): texting shorthands are read
    # as the words ("wdym" asks, "w" is with, "thru" is through); "wanna map it out?" shares the plan; "ur thoughts
    # on …?" asks; "better quit then" advises; "doesn't make … okay" corrects.
    ("wdym flat", "I just feel kind of flat on these meds.", C.OPEN_QUESTION),
    ("u stuck w it anyway", "The first week was awful but I kept going.", C.AFFIRM),
    ("u really think things thru", "I made a list of pros and cons before I came.", C.AFFIRM),
    ("it's up to you, I'm here to help you think it through", "I don't know if I want to stop.",
     C.EMPHASIZE_AUTONOMY),
    ("wanna map it out?", "I want to cut down but I don't know where to start.", C.SEEK_COLLABORATION),
    ("ur thoughts on stopping?", "My doctor wants me off the sleeping pills.", C.OPEN_QUESTION),
    ("better quit then", "The vape's making me cough.", C.PERSUADE),
    ("the nhs counts vapes as one of the better quit aids", "Are vapes any good for quitting?",
     C.GIVING_INFORMATION),
    ("being raised worse doesn't make yelling at your kids okay", "My dad hit us. I only yell.", C.CONFRONT),
]


@pytest.mark.parametrize(("text", "context", "lang"), [
    ("you need to apply for more jobs if you want to get anywhere", "I've sent two applications.", "en"),
    ("apply for more jobs if you want to get anywhere", "I've sent two applications.", "en"),
    ("so if you want to keep your flat, you need to open the letters", "I just leave them in a drawer.", "en"),
    ("du skal søge flere job hvis du vil videre", "Jeg har søgt to job.", "da"),
    ("så må du jo stoppe med at ryge hvis du vil have jobbet", "De laver en narkotest på lageret.", "da")])
def test_a_goal_as_the_reason_for_advice_leaves_no_choice(coder: Coder, text: str, context: str, lang: str) -> None:
    """"If you want to <goal>" gives advice its reason: the advice is pushed, not left to the client."""
    assert coder.code(text, context, lang).primary is C.PERSUADE


@pytest.mark.parametrize(("text", "lang"), [
    ("you should apply for a couple more if you want", "en"),
    ("if you want to try, you should apply for a couple more", "en"),
    ("if you want to give it a go, try applying for two more this week", "en"),
    ("hvis du vil, kan du prøve at søge to mere", "da"),
    ("mit råd, hvis du vil have det: søg to mere i denne uge", "da")])
def test_if_you_want_and_if_you_want_to_try_leave_the_choice(coder: Coder, text: str, lang: str) -> None:
    """The near misses: "if you want", "if you want to try …", "hvis du vil have det" leave the choice."""
    context = {"en": "I've sent two applications.", "da": "Jeg har søgt to job."}[lang]
    assert coder.code(text, context, lang).primary is C.PERSUADE_WITH_PERMISSION


@pytest.mark.parametrize("text", [
    "you must not worry about that, if the job stops you can apply for the benefits again",
    "payday lenders are capped, so you should never have to pay back more than double"])
def test_reassurance_and_what_the_client_should_never_have_to_do_are_no_advice(coder: Coder, text: str) -> None:
    """"you must not worry" (Danish "du skal ikke bekymre dig") reassures; "you should never have to pay"
    states what the rules allow. Neither advises."""
    assert coder.code(text, "I took out another loan.", "en").primary not in (
        C.PERSUADE, C.PERSUADE_WITH_PERMISSION, C.CONFRONT)


@pytest.mark.parametrize(("text", "context", "lang"), [
    ("you need to tell them", "do I have to tell the jobcentre if I do a few shifts?", "en"),
    ("Yes, you have to report it within a month.", "Do I still have to report my earnings?", "en"),
    ("ja, du skal betale den tilbage hvis du dropper ud", "Skal jeg betale SU'en tilbage hvis jeg dropper ud?", "da")])
def test_a_duty_the_client_asked_about_is_information_not_advice(text: str, context: str, lang: str) -> None:
    """After "do I have to …?", "you have to" states a rule; the same words unasked advise."""
    rules = Coder(model=None)
    assert rules.code(text, context, lang).primary is C.GIVING_INFORMATION
    unasked = {"en": "I did a few shifts last week.", "da": "Jeg tænker på at droppe ud."}[lang]
    assert rules.code(text, unasked, lang).primary in (C.PERSUADE, C.CONFRONT)
    # "Skal jeg sige det til chefen?" asks for advice, not about a duty: "du skal" there advises.
    assert rules.code("du skal sige det", "Skal jeg sige det til chefen?", "da").primary is not C.GIVING_INFORMATION


@pytest.mark.parametrize("key", ["duty_questions", "duty_statements"])
def test_missing_duty_lists_are_reported(key: str) -> None:
    data = read_data_file("en.yaml")
    del data[key]
    with pytest.raises(LexiconError, match=rf"en\.yaml: {key}: expected a list of strings"):
        parse_lexicon(data, "en.yaml")


def test_a_question_after_a_reflection_is_the_question_in_english() -> None:
    """Labelling rule 2: the model, half AnnoMI, read these as reflections; the rules' question now stands."""
    coder = Coder()
    for text, context, expected in [
        ("You keep it to the weekends and that feels like it's under control for you. What does a typical weekend "
         "look like, drink-wise?", "I only drink at weekends, so I don't see what the big deal is.", C.OPEN_QUESTION),
        ("Sounds like a rough patch. Is most of the stress coming from work, or is it more at home?",
         "I eat when I'm stressed, and lately everything's stressful.", C.CLOSED_QUESTION)]:
        assert coder.code(text, context).primary is expected
    # A reflection typed with a tag stays a reflection.
    assert coder.code("so you're worried about the cost, right?", "It costs a lot.").primary in REFLECTIONS
    model = coder.model
    assert model is not None and model.questions_over_reflections == {"en"}
    # Only over a reflection, and only where the weights say so (not Danish, where the model reads rule 2 itself).
    leaning = {C.COMPLEX_REFLECTION: 0.6, C.OPEN_QUESTION: 0.3, C.CONFRONT: 0.1}
    assert model.choose(leaning, {"rp:open_question"}, "en") is C.OPEN_QUESTION
    assert model.choose(leaning, {"rp:open_question"}, "da") is C.COMPLEX_REFLECTION
    assert model.choose({C.CONFRONT: 0.6, C.OPEN_QUESTION: 0.4}, {"rp:open_question"}, "en") is C.CONFRONT


def test_in_english_the_model_chooses_between_persuade_permission_and_confront() -> None:
    """The English rules' persuade, permission and confront calls stand against the other codes, but among
    the three the model, trained on the learner replies, chooses."""
    model = Coder().model
    assert model is not None
    assert model.model_choice_codes == {"en": {C.PERSUADE, C.PERSUADE_WITH_PERMISSION, C.CONFRONT}}
    judging = {C.CONFRONT: 0.6, C.PERSUADE: 0.3, C.GIVING_INFORMATION: 0.1}
    assert model.choose(judging, {"rp:persuade_with_permission"}, "en") is C.CONFRONT
    # Outside the three the rules' code stands: a lecture is not made information or a reflection.
    assert model.choose({C.GIVING_INFORMATION: 0.6, C.PERSUADE: 0.4}, {"rp:persuade"}, "en") is C.PERSUADE
    assert model.choose({C.COMPLEX_REFLECTION: 0.7, C.CONFRONT: 0.3}, {"rp:confront"}, "en") is C.CONFRONT
    # The coder scores the heads for such a reply (the rules alone give it permission: the client asked).
    text = "well deleting them obviously isn't enough is it, you need to do it properly this time"
    context = "I've tried deleting the apps loads of times and I always download them again. What would you do?"
    assert Coder(model=None).code(text, context, "en").primary is C.PERSUADE_WITH_PERMISSION
    assert Coder().code(text, context, "en").primary is C.CONFRONT


def test_a_condition_is_not_permission(coder: Coder) -> None:
    """"if you want that job" sets a condition on a push; "if you want, you could …" leaves the choice."""
    assert coder.code("you'd better stop right now then if you want that job",
                      "how long does weed stay in your system?").primary is C.PERSUADE
    assert coder.code("if you want, you could try the gum", "I don't know.").primary is C.PERSUADE_WITH_PERMISSION


@pytest.mark.parametrize("text", ["It sounds like you're starting to wonder whether it's even worth trying again",
                                  "u decide whats worth trying", "see if it's worth a try for you at all"])
def test_asking_whether_it_is_worth_trying_is_not_advice(coder: Coder, text: str) -> None:
    """"worth trying" advises ("It might be worth trying a patch"); "whether it's worth trying" leaves it open."""
    assert coder.code(text, "I've tried to quit about five times now.").primary not in (
        C.PERSUADE, C.PERSUADE_WITH_PERMISSION)


@pytest.mark.parametrize("text", ["You've heard you shouldn't eat late.", "you shouldn't feel bad about it",
                                  "it's galling being sent somewhere that says you shouldn't be",
                                  "you're here because you have to be, and you don't reckon the drinking is the issue",
                                  "feeling worse on something that's meant to make you better didn't make sense to you",
                                  "you feel like you might as well give up"])
def test_shouldnt_said_back_or_as_comfort_is_not_advice(coder: Coder, text: str) -> None:
    """"you shouldn't be mixing …" advises; heard or said by others, or "you shouldn't feel bad", it does not;
    nor does "because you have to", "make you better" or "you feel like you might as well …"."""
    assert coder.code(text, "Is it true that you shouldn't eat after 6pm?").primary not in (
        C.PERSUADE, C.PERSUADE_WITH_PERMISSION)


def test_try_starts_a_command_but_not_an_invitation_to_tell(coder: Coder) -> None:
    """"try nicotine gum" advises; "try telling me more" and "try to describe it" ask the client to talk."""
    for text in ("try telling me more about that", "try to describe what happens"):
        assert coder.code(text, "I don't know.").primary not in (C.PERSUADE, C.PERSUADE_WITH_PERMISSION)


def test_your_treatment_is_autonomy_but_your_medication_sorted_is_not(coder: Coder) -> None:
    """"it's your treatment" leaves the choice to the client; "that's your medication sorted out" tells news."""
    assert coder.code("u do have a say, its ur treatment", "my psychiatrist says i have to stay on them").primary \
        is C.EMPHASIZE_AUTONOMY
    assert coder.code("Well, that's your medication sorted out.", "Thanks for doing the prescription.").primary \
        is not C.EMPHASIZE_AUTONOMY


def _cases(table: dict[Code, list[tuple[str, str]]], lang: str) -> list[object]:
    return [pytest.param(text, context, code, lang, id=f"{lang}-{code.value}-{i}")
            for code, items in table.items() for i, (text, context) in enumerate(items)]


ROUND_CASES = [pytest.param(text, context, code, "en", id=f"en-round-{i}")
               for i, (text, context, code) in enumerate(ENGLISH_ROUNDS)]


@pytest.mark.parametrize(("text", "context", "expected", "lang"),
                         _cases(DANISH, "da") + _cases(ENGLISH, "en") + ROUND_CASES)
def test_primary_code(coder: Coder, text: str, context: str, expected: Code, lang: str) -> None:
    reply = coder.code(text, context)
    check_contract(reply, text)
    assert reply.lang == lang
    assert reply.primary is expected, reply.to_json()
    if expected is not Code.OTHER:
        # Something in the reply made the coder see its primary code (the evidence explains the feedback).
        assert any(item.code is expected for item in reply.evidence) or expected is Code.GIVING_INFORMATION


SHIPPED_AGREEMENT = {"da": 0.75, "en": 0.7}
"""Floor for the share of these hand-coded cases the shipped coder (model + rules) codes as written. Measured
0.81 (da) and 0.77 (en); the rules were written against these very cases (1.0), so this is not a score —
the scores are `mi-trainer eval-coder`'s, on data nobody tuned on."""


def test_shipped_coder_agrees_with_the_hand_coded_cases() -> None:
    shipped = Coder()
    assert shipped.model is not None
    for lang, table in (("da", DANISH), ("en", ENGLISH)):
        cases = [(text, context, code) for code, items in table.items() for text, context in items]
        replies = [shipped.code(text, context) for text, context, _ in cases]
        for reply, (text, _, _) in zip(replies, cases, strict=True):
            check_contract(reply, text)
        agreement = sum(reply.primary is code for reply, (_, _, code) in zip(replies, cases, strict=True)) / len(cases)
        assert agreement >= SHIPPED_AGREEMENT[lang], (lang, agreement)


def test_enough_cases_per_family() -> None:
    assert all(len(items) >= 8 for items in DANISH.values())
    assert all(len(items) >= 6 for items in ENGLISH.values())
    assert set(DANISH) == set(ENGLISH) == set(Code)


# --- several codes in one reply, and the primary-code rule -------------------------------------


@pytest.mark.parametrize(
    ("text", "context", "primary", "also"),
    [
        # A short reflection, then a question: the question is what the client answers.
        ("Du er bange for at gå ned igen. Hvad ville hjælpe dig?", JOB, C.OPEN_QUESTION, {C.SIMPLE_REFLECTION}),
        ("So you enjoy the drinks with your colleagues. What worries you about it?", BEER, C.OPEN_QUESTION,
         {C.COMPLEX_REFLECTION}),
        ("Du har allerede skåret lidt ned. Hvad hjalp dig med det?", DRINK, C.OPEN_QUESTION, {C.AFFIRM}),
        ("Det er dit valg. Hvad tænker du?", DRINK, C.OPEN_QUESTION, {C.EMPHASIZE_AUTONOMY}),
        ("Mange oplever abstinenser de første dage. Må jeg fortælle lidt om, hvad der kan hjælpe?", DRINK,
         C.ASK_PERMISSION, {C.GIVING_INFORMATION}),
        # A long reflection with a check-in question at the end stays a reflection.
        ("Du vil gerne have et arbejde, fordi det giver dig en hverdag og nogle kolleger, men samtidig er du bange "
         "for at stressen kommer tilbage, og at du så står det samme sted som sidst. Er det sådan?", JOB,
         C.COMPLEX_REFLECTION, {C.CLOSED_QUESTION}),
        # MI-inconsistent content is primary wherever it is: a lecture with a question mark is still a lecture.
        ("Du er alkoholiker. Hvad vil du gøre ved det?", DRINK, C.CONFRONT, {C.OPEN_QUESTION}),
        ("You're an alcoholic. What are you going to do about it?", BEER, C.CONFRONT, {C.OPEN_QUESTION}),
        ("Du har et godt job. Du skal bare tage dig sammen og stoppe.", DRINK, C.CONFRONT, {C.PERSUADE}),
        ("Det lyder svært. Men du skal altså stoppe med at drikke, ikke?", DRINK, C.PERSUADE, {C.SIMPLE_REFLECTION}),
        # Advice with permission is the act, the autonomy phrase comes along.
        ("One option could be to have alcohol-free weekdays, but it's up to you.", BEER,
         C.PERSUADE_WITH_PERMISSION, {C.EMPHASIZE_AUTONOMY}),
        # A greeting before a question.
        ("Hej Mette. Hvordan har du det i dag?", "", C.OPEN_QUESTION, {C.OTHER}),
    ],
)
def test_several_codes(coder: Coder, text: str, context: str, primary: Code, also: set[Code]) -> None:
    reply = coder.code(text, context)
    check_contract(reply, text)
    assert reply.primary is primary, reply.to_json()
    assert also <= set(reply.codes), reply.to_json()


def test_valence_follows_primary(coder: Coder) -> None:
    assert coder.code("Du skal stoppe.", DRINK).valence is Valence.INCONSISTENT
    assert coder.code("Hvad tænker du om det?", DRINK).valence is Valence.CONSISTENT
    assert coder.code("Drikker du hver dag?", DRINK).valence is Valence.NEUTRAL
    assert coder.code("ok", DRINK).valence is Valence.NEUTRAL


def test_open_question_is_not_persuasion_when_asking_what_the_client_thinks(coder: Coder) -> None:
    # "du skal" inside an open question is the client's to answer, not advice.
    assert coder.code("Hvad synes du selv, du skal gøre nu?", ASKS).primary is C.OPEN_QUESTION
    assert coder.code("What do you think you should do?", WHAT_NOW).primary is C.OPEN_QUESTION


def test_why_dont_you_is_persuasion_not_curiosity(coder: Coder) -> None:
    assert coder.code("Hvorfor drikker du ikke bare mindre?", DRINK).primary is C.PERSUADE
    assert coder.code("hvorfor prøver du ikke bare", JOB).primary is C.PERSUADE
    assert coder.code("why not just stop", SMOKE).primary is C.PERSUADE
    # A curious "why" stays open.
    assert coder.code("Hvorfor er det vigtigt for dig?", JOB).primary is C.OPEN_QUESTION


def test_negation_undoes_an_affirmation(coder: Coder) -> None:
    reply = coder.code("Det er ikke flot.", DRINK)
    assert C.AFFIRM not in reply.codes


def test_advice_with_consent_in_the_client_line(coder: Coder) -> None:
    advice = "Du kunne prøve at holde to dage om ugen uden alkohol."
    assert coder.code(advice, DRINK).primary is C.PERSUADE
    assert coder.code(advice, YES).primary is C.PERSUADE_WITH_PERMISSION
    assert coder.code(advice, ASKS).primary is C.PERSUADE_WITH_PERMISSION
    # A long "ja, men …" is no permission.
    assert coder.code(advice, "Ja, men det er jo ikke så nemt, når alle de andre drikker.").primary is C.PERSUADE



def test_questions_typed_without_a_question_mark(coder: Coder) -> None:
    # Learners on phones leave the "?" out; the form still asks ...
    assert coder.code("what brings you in today", WHAT_NOW).primary is C.OPEN_QUESTION
    assert coder.code("do you want to cut down", WHAT_NOW).primary is C.CLOSED_QUESTION
    # ... unless the subject follows the wh-word: an indirect question inside a statement.
    assert coder.code("what I hear is that you want to keep your job", WHAT_NOW).primary in REFLECTIONS
    assert C.OPEN_QUESTION not in coder.code("what you are saying is that it scares you", WHAT_NOW).codes


def test_a_statement_then_a_question_typed_without_a_question_mark(coder: Coder) -> None:
    # A direct wh-question (the verb straight after the wh-word) after a comma asks, "?" or not ...
    for text, context in (("det er svært, hvad gør dig så nervøs", JOB),
                          ("når du skal til samtale, hvordan har du det", JOB),
                          ("when you drink, what happens next", BEER), ("so it scares you, how do you cope", STUCK)):
        reply = coder.code(text, context)
        assert reply.primary is C.OPEN_QUESTION and any(c in REFLECTIONS or c is C.OTHER for c in reply.codes), text
    # ... an indirect one (its subject straight after the wh-word) stays inside the statement, and a
    # verb first after a "når"-clause is Danish word order, not a yes/no question.
    assert coder.code("det er op til dig, hvor meget du drikker", DRINK).primary is C.EMPHASIZE_AUTONOMY
    assert C.OPEN_QUESTION not in coder.code("that's up to you, how much you drink", BEER).codes
    assert C.CLOSED_QUESTION not in coder.code("når du kommer hjem, er du træt", JOB).codes


def test_a_question_for_a_number_or_a_time_span_is_closed(coder: Coder) -> None:
    # data/coder/README.md, rule 4: "hvor mange genstande …" asks for a fact.
    for text in ("hvor mange genstande drikker du på en aften", "hvor længe har det stået på",
                 "hvor meget drikker du?"):
        assert coder.code(text, DRINK).primary is C.CLOSED_QUESTION, text
    # With its subject straight after, it is part of a statement; "hvor" alone still asks openly.
    assert C.CLOSED_QUESTION not in coder.code("hvor meget du drikker, er din sag", DRINK).codes
    assert coder.code("hvor ser du dig selv om et år", JOB).primary is C.OPEN_QUESTION


def test_wanting_something_is_no_permission_for_advice(coder: Coder) -> None:
    # "gerne" in the client's line grants nothing by itself; "du må gerne komme med et forslag" does.
    wants = "Ja... det er præcis det. Jeg vil gerne, men jeg tør ikke rigtig. Endnu."
    pushed = coder.code("Du skal altså bare søge det job, det er det bedste for dig.", wants)
    assert pushed.primary is C.PERSUADE and C.PERSUADE_WITH_PERMISSION not in pushed.codes
    advice = "Du kunne prøve at søge tre steder om ugen."
    assert coder.code(advice, "Okay, du må gerne komme med et forslag.").primary is C.PERSUADE_WITH_PERMISSION


def test_autonomy_followed_by_but_and_advice_is_persuasion(coder: Coder) -> None:
    # "Det er dit valg, men du burde …" pushes: the autonomy talk gives no permission for the advice after "men".
    assert coder.code("det er dit valg, men du burde altså søge det job", JOB).primary is C.PERSUADE
    assert coder.code("It's your choice, but you should cut down.", BEER).primary is C.PERSUADE
    # Without the "men", the advice is left to the client.
    assert coder.code("du kunne prøve at søge det job, det er helt dit valg", JOB).primary is C.PERSUADE_WITH_PERMISSION


def test_advice_the_client_feels_or_was_told_is_reflected_not_given(coder: Coder) -> None:
    # "du føler, at du skal stoppe" gives the client's own "must" back: a reflection, not advice.
    advice = {C.PERSUADE, C.PERSUADE_WITH_PERMISSION}
    for reply in ("du føler at du skal stoppe", "så en del af dig ved godt, at du bør gøre noget",
                  "du har fået at vide at du skal søge flere job", "synes du selv at du skal stoppe",
                  "når du skal til samtale, hvad gør dig så nervøs"):
        assert not advice & set(coder.code(reply, JOB).codes), reply
    for reply in ("So you feel like you need to quit.", "Part of you knows you have to make a change.",
                  "You've been told you have to cut down.", "Do you think you should cut down?"):
        assert not advice & set(coder.code(reply, BEER).codes), reply
    # The learner's own "must" still persuades, also when it asks the client to agree.
    for reply in ("jeg synes du skal stoppe", "du bør stoppe", "synes du ikke du skal stoppe"):
        assert coder.code(reply, DRINK).primary is C.PERSUADE, reply
    assert coder.code("du ved godt du skal stoppe", DRINK).primary is C.CONFRONT
    for reply in ("I think you need to quit.", "Don't you think you should quit?", "You must stop."):
        assert coder.code(reply, BEER).valence is Valence.INCONSISTENT, reply


def test_an_invitation_to_tell_is_a_question_not_persuasion(coder: Coder) -> None:
    assert coder.code("Why don't you start by telling me a little about yourself?", "").primary is C.OPEN_QUESTION
    assert coder.code("maybe you could tell me how that's going", BEER).primary is C.OPEN_QUESTION
    assert coder.code("How could you get a different social life?", BEER).primary is C.OPEN_QUESTION
    assert coder.code("Where do you think you might want to start?", BEER).primary is C.OPEN_QUESTION
    # The same openings still push or reproach.
    assert coder.code("Why don't you just stop drinking?", BEER).primary is C.PERSUADE
    assert coder.code("maybe you could try the patch", SMOKE).primary is C.PERSUADE
    assert coder.code("You might want to try the patch.", SMOKE).primary is C.PERSUADE
    # A relative clause is no indirect question: "which you might want to try" suggests.
    assert coder.code("There is a group which you might want to try.", SMOKE).primary is C.PERSUADE
    assert coder.code("That's how you need to do it.", SMOKE).primary is C.PERSUADE
    assert coder.code("How could you do that to your kids?", BEER).primary is C.CONFRONT


def test_indirect_wh_clause_is_a_statement(coder: Coder) -> None:
    # "hvad du …" (subject straight after the wh-word) is an indirect question inside a statement.
    assert coder.code("hvad du vil gøre med det nu, er dit valg", DRINK).primary is C.EMPHASIZE_AUTONOMY
    assert coder.code("hvordan du bruger dine weekender, bestemmer du selv", DRINK).primary is C.EMPHASIZE_AUTONOMY
    # With its question mark, or with the verb first, it asks.
    assert coder.code("hvad du vil gøre nu?", DRINK).primary is C.OPEN_QUESTION
    assert coder.code("hvad vil du gøre nu", DRINK).primary is C.OPEN_QUESTION


def test_imperative_at_the_start_of_a_clause_is_advice(coder: Coder) -> None:
    assert coder.code("så søg nogle job i mellemtiden", JOB).primary is C.PERSUADE
    assert coder.code("lav et skema og hold dig til det", UNSURE).primary is C.PERSUADE
    assert coder.code("lad os kigge på det sammen", UNSURE).primary is C.SEEK_COLLABORATION


def test_repeating_the_clients_feeling_is_a_simple_reflection(coder: Coder) -> None:
    assert coder.code("Du er bange for at gå ned med stress igen.", JOB).primary is C.SIMPLE_REFLECTION
    assert coder.code("Du er bange for at gå ned igen.", DRINK).primary is C.COMPLEX_REFLECTION


def test_tag_question_keeps_a_reflection(coder: Coder) -> None:
    for text, context in [("Du drikker mest i weekenden, ikke?", DRINK), ("Du drikker mest i weekenden, ik", DRINK),
                          ("So you drink at weekends, right?", BEER), ("You drink at weekends, is that right?", BEER)]:
        assert coder.code(text, context).primary is C.SIMPLE_REFLECTION, text


def test_declarative_question_without_mirroring_is_closed(coder: Coder) -> None:
    assert coder.code("Det var i går?", "Jeg har det fint.").primary is C.CLOSED_QUESTION


def test_questions_without_question_mark(coder: Coder) -> None:
    assert coder.code("hvad tænker du om det", DRINK).primary is C.OPEN_QUESTION
    assert coder.code("er du klar til at starte", JOB).primary is C.CLOSED_QUESTION
    assert coder.code("do you want to cut down", BEER).primary is C.CLOSED_QUESTION
    assert coder.code("what would help", STUCK).primary is C.OPEN_QUESTION


def test_statement_then_question_in_one_sentence(coder: Coder) -> None:
    reply = coder.code("Du drikker mest i weekenden, hvad tænker du selv om det?", DRINK)
    assert reply.primary is C.OPEN_QUESTION
    assert C.SIMPLE_REFLECTION in reply.codes


def test_danish_without_special_letters(coder: Coder) -> None:
    # Learners on foreign keyboards write ae/oe/aa.
    assert coder.code("Hvad taenker du om det?", DRINK).primary is C.OPEN_QUESTION
    assert coder.code("Det er helt op til dig, hvad du vaelger.", DRINK).primary is C.EMPHASIZE_AUTONOMY


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_is_the_words_that_triggered_each_code(coder: Coder) -> None:
    reply = coder.code("Det lyder som om du på den ene side gerne vil arbejde. Må jeg fortælle om IPS?", JOB)
    found = {(item.code, item.text) for item in reply.evidence}
    assert (C.COMPLEX_REFLECTION, "på den ene side") in found
    assert (C.ASK_PERMISSION, "Må jeg") in found
    # Evidence keeps the learner's own spelling and capitals.
    reply = coder.code("DU SKAL STOPPE", DRINK)
    assert [(item.code, item.text) for item in reply.evidence] == [(C.PERSUADE, "DU SKAL")]


def test_evidence_keeps_typographic_characters(coder: Coder) -> None:
    text = "It’s up to you — you’re the one who decides."
    reply = coder.code(text, BEER)
    assert reply.primary is C.EMPHASIZE_AUTONOMY
    assert "It’s up to you" in [item.text for item in reply.evidence]
    check_contract(reply, text)


def test_evidence_order_follows_the_codes(coder: Coder) -> None:
    reply = coder.code("Du er alkoholiker. Hvad vil du gøre?", DRINK)
    assert [item.code for item in reply.evidence] == [C.CONFRONT, C.OPEN_QUESTION]


# --- language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hvad tænker du om det?", "da"),
        ("hvad taenker du om det", "da"),
        ("hvordn har du det", "da"),
        ("jeg tror ikke det", "da"),
        ("ik", "da"),
        ("Du skal stoppe", "da"),
        ("Det er dit valg", "da"),
        ("fortæl", "da"),
        ("må jeg spørge", "da"),
        ("er du træt", "da"),
        ("at og det", "da"),
        ("What do you think about that?", "en"),
        ("wat do u think", "en"),
        ("how r u", "en"),
        ("you should stop", "en"),
        ("It's up to you", "en"),
        ("tell me more", "en"),
        ("don't", "en"),
        ("sounds tough", "en"),
        ("thinking", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "ok", "?!", "😀", "123", "mm"])
def test_detect_language_without_cues_falls_back(text: str) -> None:
    assert detect_language(text) == "da"  # Danish first
    assert detect_language(text, fallback="en") == "en"


def test_short_reply_takes_the_language_of_the_client_line(coder: Coder) -> None:
    assert coder.code("ok", "I don't really know what to say.").lang == "en"
    assert coder.code("ok", "Jeg ved ikke rigtig, hvad jeg skal sige.").lang == "da"
    assert coder.code("mm", "").lang == "da"


def test_explicit_language_wins(coder: Coder) -> None:
    reply = coder.code("ok", "I don't know", lang="da")
    assert reply.lang == "da"
    assert coder.code("Du skal stoppe", lang="en").lang == "en"


def test_unknown_language_is_refused(coder: Coder) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        coder.code("hej", lang="de")


def test_non_string_text_is_refused(coder: Coder) -> None:
    with pytest.raises(TypeError):
        coder.code(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        coder.code("hej", context=3)  # type: ignore[arg-type]


# --- robustness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t  ",
        "?!?!",
        "...",
        "😀🙏👍",
        "مرحبا، كيف حالك؟",
        "\u202eDu skal stoppe\u202c",
        "hvad\u200btænker du",
        "Du\x00 er\x1b[31m træt\x7f",
        "\ud800 lone surrogate",
        "a" * 100_000,
        "du " * 20_000,
        "Hvad? " * 5_000,
        "[" * 3_000,
        "- " * 5_000,
        ", " * 5_000 + "hvad tænker du?",
        "ÆØÅ æøå",
        "\r\n\r\n",
        "\u2028hvad\u2029",
    ],
    ids=lambda text: repr(text[:20]),
)
def test_never_crashes(coder: Coder, text: str) -> None:
    started = time.perf_counter()
    reply = coder.code(text, context=text[:500])
    assert time.perf_counter() - started < 1.0
    check_contract(reply, text)


@pytest.mark.parametrize("text", ["", "  ", "\n", "?!", "...", "😀"])
def test_empty_and_punctuation_only_is_other(coder: Coder, text: str) -> None:
    reply = coder.code(text)
    assert reply.primary is C.OTHER
    assert reply.codes == (C.OTHER,)
    assert reply.evidence == ()


def test_only_the_start_of_a_very_long_reply_is_read(coder: Coder) -> None:
    tail = " Du er alkoholiker."
    reply = coder.code("Hvad tænker du? " + "bla " * MAX_TEXT_CHARS + tail, DRINK)
    assert C.CONFRONT not in reply.codes
    assert reply.text.endswith(tail)  # the reply itself is kept whole


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), context=st.text(max_size=200), lang=st.sampled_from([None, "da", "en"]))
def test_any_text_gives_a_valid_reply(text: str, context: str, lang: str | None) -> None:
    reply = Coder().code(text, context, lang)
    check_contract(reply, text)
    if lang is not None:
        assert reply.lang == lang


SALAD = ["du", "skal", "hvad", "ikke", "det", "er", "dit", "valg", "?", ",", ".", "you", "should", "part", "of", "må",
         "jeg", "flot", "hvorfor", "bare", "ok", "–", "alkoholiker", "samtidig", "mange", "oplever", "sammen", "lad",
         "os", "ikke?", "right", "-", ":", "\n", "[", "😀"]


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(SALAD), max_size=30))
def test_word_salad_gives_a_valid_reply(words: list[str]) -> None:
    text = " ".join(words)
    check_contract(Coder().code(text, DRINK), text)


def test_throughput_benchmark_runs_and_prints_its_figures() -> None:
    # Speed is measured by this benchmark, never asserted in a unit test; here it must only run.
    bench = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "coder_bench.py"), "--seconds", "0.05",
                            "--runs", "1", "--limit", "100"], capture_output=True, text=True, timeout=300, check=False)
    assert bench.returncode == 0, bench.stderr
    assert re.search(r"^danish \(da_dev\): \d+ replies, .*: [\d,]+ replies/s \(rules only [\d,]+/s\)$",
                     bench.stdout, re.M), bench.stdout
    assert re.search(r"^model load: \d\.\d{3} s", bench.stdout, re.M), bench.stdout


@pytest.mark.parametrize(("option", "message"), [("--limit=0", "must be 1 or more, not 0"),
                                                 ("--runs=x", "must be a whole number, not 'x'")])
def test_throughput_benchmark_refuses_bad_counts_in_one_line(option: str, message: str) -> None:
    bench = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "coder_bench.py"), option],
                           capture_output=True, text=True, timeout=60, check=False)
    assert bench.returncode == 2 and not bench.stdout
    assert bench.stderr.strip().splitlines()[-1].endswith(message) and "Traceback" not in bench.stderr


# --- analyse / decide: the rule features a model can reuse ---------------------------------------


def test_analysis_exposes_hits_and_features(coder: Coder) -> None:
    analysis = coder.analyse("Du vil gerne arbejde, men samtidig er du bange. Hvad tænker du?", JOB)
    assert analysis.lang == "da"
    assert list(analysis.hits) == [C.COMPLEX_REFLECTION, C.OPEN_QUESTION]
    assert analysis.features["open_form"] == 1
    assert analysis.features["complex_ambivalence"] >= 1
    assert analysis.features["overlap_words"] >= 1
    assert all(isinstance(value, float) for value in analysis.features.values())
    assert [clause.act for clause in analysis.clauses] == [C.COMPLEX_REFLECTION, C.OPEN_QUESTION]
    assert decide(analysis) == (C.OPEN_QUESTION, (C.OPEN_QUESTION, C.COMPLEX_REFLECTION))


def test_features_have_the_same_keys_for_every_reply(coder: Coder) -> None:
    keys = {frozenset(coder.analyse(text, context).features)
            for text, context in [("", ""), ("ok", DRINK), ("Du skal stoppe. Hvad tænker du?", DRINK),
                                  ("Part of you wants to quit.", SMOKE)]}
    assert len(keys) == 1


def test_analyse_works_with_one_lexicon() -> None:
    analysis = analyse("Det er dit valg", "", load_lexicon("da"))
    assert decide(analysis)[0] is C.EMPHASIZE_AUTONOMY


# --- lexicon files ------------------------------------------------------------------------------


def test_lexicons_load_and_are_shared() -> None:
    assert load_lexicon("da") is load_lexicon("da")
    assert load_lexicon("en").language == "en"
    with pytest.raises(ValueError):
        load_lexicon("sv")


def test_yes_and_no_stay_words_in_lexicons() -> None:
    data = parse_yaml("words: [yes, no, on, off, ja, nej]\nflag: true\n")
    assert data == {"words": ["yes", "no", "on", "off", "ja", "nej"], "flag": True}
    assert "no" in read_data_file("en.yaml")["backchannels"]


def test_bad_pattern_names_file_and_key() -> None:
    data = read_data_file("da.yaml")
    data["codes"]["affirm"] = ["(unclosed"]
    with pytest.raises(LexiconError, match=r"da\.yaml: codes\.affirm: bad pattern"):
        parse_lexicon(data, "da.yaml")


def test_unknown_code_and_missing_key_are_reported() -> None:
    data = read_data_file("en.yaml")
    data["codes"]["praise"] = ["well done"]
    with pytest.raises(LexiconError, match="unknown code"):
        parse_lexicon(data, "en.yaml")
    data = read_data_file("en.yaml")
    del data["tags"]
    with pytest.raises(LexiconError, match="tags: expected a list of strings"):
        parse_lexicon(data, "en.yaml")


def test_spoken_spellings_are_read_as_the_written_words_and_quoted_as_typed() -> None:
    """"du ska bare søge" is read as "du skal bare søge"; the evidence quotes "du ska"."""
    reply = Coder(model=None).code("Du ska bare søge, det' din sidste chance", "Jeg er 46.", "da")
    assert reply.primary is C.CONFRONT or reply.primary is C.PERSUADE
    assert [item.text for item in reply.evidence if item.code is C.PERSUADE] == ["Du ska"]
    respelt = load_lexicon("da").spoken.respell("Ska du ha en pause, det' ok")  # type: ignore[union-attr]
    assert respelt.text == "Skal du have en pause, det er ok"
    typed = "Ska du ha en pause, det' ok"
    # Word starts and ends map to the same words as typed; "det er" ends where "det'" ends.
    for word in ("Ska", "du", "en", "pause", "ok"):
        assert respelt.typed(respelt.text.index(" " + word if word != "Ska" else word) + (word != "Ska")) \
            == typed.index(word)
    assert respelt.typed(respelt.text.index("det er") + len("det er")) == typed.index("det'") + len("det'")
    # A reply without spoken spellings is read as it is.
    assert load_lexicon("da").spoken.respell("du skal bare") is None  # type: ignore[union-attr]
    data = read_data_file("da.yaml")
    del data["spoken_spellings"]
    lexicons = {"da": parse_lexicon(data, "da.yaml"), "en": load_lexicon("en")}
    assert Coder(lexicons=lexicons, model=None).code("du ska bare søge", "Jeg er 46.", "da").primary \
        is not C.PERSUADE


@pytest.mark.parametrize(("value", "message"), [
    (["ska", "skal"], "expected a mapping of a typed word"), ({"ska": ""}, "expected a mapping of a typed word"),
    ({"ska": 1}, "expected a mapping of a typed word"), ({"sk(a": "skal"}, "expected a mapping of a typed word"),
    ({"ska": "sk(al"}, "expected a mapping of a typed word"),
    ({"ska": "skal", "SKA": "skal"}, "a word is listed twice"),
    ({"skal": "Skal"}, "mapped to itself: skal")])
def test_bad_spoken_spellings_are_reported(value: object, message: str) -> None:
    data = read_data_file("da.yaml")
    data["spoken_spellings"] = value
    with pytest.raises(LexiconError, match=rf"da\.yaml: spoken_spellings: {message}"):
        parse_lexicon(data, "da.yaml")


def test_english_phone_spellings_match_the_phrases_written_with_apostrophes() -> None:
    data = read_data_file("en.yaml")
    lexicon = parse_lexicon(data, "en.yaml")
    autonomy = lexicon.codes[Code.EMPHASIZE_AUTONOMY]
    assert autonomy.search("thats ur call") and autonomy.search("its totally up to u")
    assert lexicon.codes[Code.CONFRONT].search("u r in denial") and lexicon.codes[Code.CONFRONT].search("ur an addict")
    assert not lexicon.codes[Code.CONFRONT].search("you're an adult")
    # "you" is replaced as a word, never inside "you're" (which has its own variants).
    assert lexicon.codes[Code.CONFRONT].search("youre an addict")
    # Word sets stay plain words: the variants widen phrases only.
    assert "you" in lexicon.stopwords and not any("(" in word for word in lexicon.stopwords)
    data["spelling_variants"] = {}
    assert not parse_lexicon(data, "en.yaml").codes[Code.EMPHASIZE_AUTONOMY].search("thats ur call")


@pytest.mark.parametrize("value", [["ikke"], {"ikke": "ik"}, {"ikke": ["i k"]}, {"ik(": ["ik"]},
                                   {"'s": ["s"]}, {"don't": ["don't("]}])
def test_bad_spelling_variants_are_reported(value: object) -> None:
    data = read_data_file("da.yaml")
    data["spelling_variants"] = value
    with pytest.raises(LexiconError, match=r"da\.yaml: spelling_variants: expected a mapping of a word to a list"):
        parse_lexicon(data, "da.yaml")


@pytest.mark.parametrize("value", [None, {}, ["du", "jeg"], {"du": ""}, {"du": 1}])
def test_bad_mirrored_person_is_reported(value: object) -> None:
    data = read_data_file("da.yaml")
    data["mirrored_person"] = value
    with pytest.raises(LexiconError, match=r"da\.yaml: mirrored_person: expected a mapping of second-person"):
        parse_lexicon(data, "da.yaml")
    data = read_data_file("da.yaml")
    del data["agreement"]
    with pytest.raises(LexiconError, match="agreement: expected a list of strings"):
        parse_lexicon(data, "da.yaml")


def test_a_judgement_is_said_back_only_when_the_client_made_it_of_itself() -> None:
    """The mirrored words come from the lexicon: without "du" → "jeg", "du ved godt" confronts again."""
    context = "Jeg ved godt, det er for meget, men det hjælper mig at sove."
    reply = "du ved godt det er for meget"
    assert Coder(model=None).code(reply, context, "da").primary is C.SIMPLE_REFLECTION
    data = read_data_file("da.yaml")
    data["mirrored_person"] = {"dig": "mig"}
    lexicons = {"da": parse_lexicon(data, "da.yaml"), "en": load_lexicon("en")}
    assert Coder(lexicons=lexicons, model=None).code(reply, context, "da").primary is C.CONFRONT


def test_language_cue_listed_for_both_languages_is_refused() -> None:
    data = read_data_file("language.yaml")
    data["words"]["en"][2].append("og")
    with pytest.raises(LexiconError, match="'og' is listed for both"):
        parse_cues(data)

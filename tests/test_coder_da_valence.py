"""Danish patterns at the valence boundaries (added after the fresh check of the third new batch).

Each case is (reply, the client's last line, expected primary code) on the rules-only coder, like
tests/test_coder.py: the rules' primary code is what the trained model reads as a feature. Every
pattern has a case where it must fire and, where a near miss is likely, one where it must not.
"""

from __future__ import annotations

import pytest

from bot.coder import Coder
from state_machines.codes import Code, Valence

C = Code

INTERVIEW = "Jeg var til jobsamtale i går, og jeg tror faktisk det gik godt."
LATE = "Jeg har kun ti minutter i dag, jeg skal hente mine børn."
SEVEN = "Jeg har prøvet at stoppe syv gange. Det nytter ikke noget."
ALARM = "Jeg har sat en alarm på telefonen, så nu glemmer jeg dem ikke mere."
TIPS = "okay, hvis du har nogle tips til at lave lektier, så kom med dem"
EXAM = "Jeg har ikke åbnet mine bøger i tre uger. Eksamen er om to uger."
DOCTOR = "Jeg har det fint med at drikke, det er min læge der laver et stort nummer ud af det."
PARTY = "Jeg ryger kun når jeg drikker, så det tæller ikke rigtig."
CHEF = "Jeg tør ikke fortælle min chef at jeg har en diagnose."


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder(model=None)


PRIMARY_CASES: list[tuple[str, str, Code]] = [
        # "nu skal du ikke …" scolds; the list's whole-word end used to make the branch unreachable.
        ("nu skal du ikke glæde dig for tidligt", INTERVIEW, C.CONFRONT),
        # Reproach and generalising.
        ("ja ja, det sagde du også sidst", INTERVIEW, C.CONFRONT),
        ("du har altid et eller andet, hva", LATE, C.CONFRONT),
        ("der er jo altid en undskyldning", LATE, C.CONFRONT),
        # Rhetorical challenges.
        ("og hvad så hvis lægen har ret", DOCTOR, C.CONFRONT),
        ("hvor længe tror du det holder", DOCTOR, C.CONFRONT),
        ("det tæller skam også", PARTY, C.CONFRONT),
        ("weekendrygning er stadig rygning", PARTY, C.CONFRONT),
        ("synes du det er i orden at køre når du har drukket", PARTY, C.CONFRONT),
        ("synes du det er en god idé at tage en pause", PARTY, C.CLOSED_QUESTION),
        # Praise, and the choice handed over.
        ("det var en klog løsning du fandt på selv", ALARM, C.AFFIRM),
        ("du fandt selv en måde der virker", ALARM, C.AFFIRM),
        ("syv gange, du er virkelig ikke en der giver op", SEVEN, C.AFFIRM),
        ("du holdt fast i din beslutning selvom det var akavet", SEVEN, C.AFFIRM),
        ("det er dejligt at høre at du har brugt tid på det", SEVEN, C.AFFIRM),
        # "din beslutning" alone no longer hands over the choice; "… er din beslutning" still does.
        ("om du vil prøve igen er din beslutning", SEVEN, C.EMPHASIZE_AUTONOMY),
        ("det er dit liv og din beslutning", SEVEN, C.EMPHASIZE_AUTONOMY),
        ("det er dit ønske der styrer, ikke jobcentrets", SEVEN, C.EMPHASIZE_AUTONOMY),
        ("hvis du ikke ser et problem, så er det ikke mig der skal fortælle dig at der er et", PARTY,
         C.EMPHASIZE_AUTONOMY),
        ("det er ikke lægen der bestemmer, det gør du", DOCTOR, C.EMPHASIZE_AUTONOMY),
        # Facts, and structuring the session.
        ("det kaldes trøstespisning, og det er meget almindeligt", SEVEN, C.GIVING_INFORMATION),
        ("arbejdsgiveren har tavshedspligt om det du fortæller om dit helbred", CHEF, C.GIVING_INFORMATION),
        ("din chef må ikke spørge ind til din diagnose", CHEF, C.GIVING_INFORMATION),
        ("man har ikke pligt til at fortælle det", CHEF, C.GIVING_INFORMATION),
        ("det er helt fint, så tager vi det korte", LATE, C.OTHER),
        ("det er helt ok, vi har god tid", LATE, C.OTHER),
        ("ok, vi skal nok slutte til tiden", LATE, C.OTHER),
        ("okay spændende, hvad for noget arbejde tænker du på", SEVEN, C.OPEN_QUESTION),
        # A question, not an exclamation ("hvor irriterende, …"); it asks for a number on a ruler: closed.
        ("hvor irriterende er det på en skala fra 1 til 10", LATE, C.CLOSED_QUESTION),
        # Advice, permission and collaboration.
        # Advice after a fronted "denne gang" / inverted after a condition / ", så start der".
        ("denne gang skal du bruge plaster", SEVEN, C.PERSUADE),
        ("hvis du drak lidt mindre, ville du også ryge mindre, så start der", PARTY, C.PERSUADE),
        ("hvis det giver mening for dig, kunne du tage en ven med første gang", EXAM, C.PERSUADE_WITH_PERMISSION),
        # The choice left to the client after the advice, in other words.
        ("en idé kunne være at starte med en time om dagen, men det er dig der kender dit skema", EXAM,
         C.PERSUADE_WITH_PERMISSION),
        ("prøv at læse en time om dagen. det kan du selv vurdere", EXAM, C.PERSUADE_WITH_PERMISSION),
        ("prøv at læse en time om dagen", EXAM, C.PERSUADE),
        ("prøv at lægge telefonen i et andet rum mens du læser", TIPS, C.PERSUADE_WITH_PERMISSION),
        # An offer made conditional on the client's yes asks permission.
        ("jeg kan godt komme med nogle forslag, hvis det er ok med dig?", SEVEN, C.ASK_PERMISSION),
        ("er det ok hvis jeg foreslår nogle små ting man kan starte med?", SEVEN, C.ASK_PERMISSION),
        ("jeg foreslår at du starter med små ting", SEVEN, C.PERSUADE),
        # Sharing the agenda and the learner's role.
        ("hvad er vigtigst for dig at nå på de ti minutter", LATE, C.SEEK_COLLABORATION),
        ("hvad har du brug for fra mig denne gang", SEVEN, C.SEEK_COLLABORATION),
        ("kunne vi kigge på hvordan du kan beholde vennerne og stadig skære ned", SEVEN, C.SEEK_COLLABORATION),
]


@pytest.mark.parametrize("text", ["nu skal du ikke føle dig presset", "nu skal du ikke gøre noget du ikke vil",
                                  "hvad hvis vi lægger hovederne sammen", "du har været til lægen"])
def test_near_misses_are_not_confront(coder: Coder, text: str) -> None:
    assert coder.code(text, INTERVIEW, "da").primary is not C.CONFRONT


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        # Verb first with a named subject asks yes or no.
        ("har lægen sagt noget om dine levertal", C.CLOSED_QUESTION),
        ("er vægten noget der kunne få dig til at starte igen", C.CLOSED_QUESTION),
        # An embedded question word after "ved du" does not make the question open ...
        ("ved du hvornår forløbet starter?", C.CLOSED_QUESTION),
        # ... and the advice words inside the embedded question are not advice.
        ("ved du hvilke fag du skal op i", C.CLOSED_QUESTION),
        ("ved du hvad du skal sige til ham", C.CLOSED_QUESTION),
        # A question word late in the clause still asks openly.
        ("og du drikker hvor meget?", C.OPEN_QUESTION),
        ("ved du det? du skal sige det til ham", C.PERSUADE),
    ],
)
def test_closed_question_forms(coder: Coder, text: str, primary: Code) -> None:
    assert coder.code(text, EXAM, "da").primary is primary


@pytest.mark.parametrize("text", ["ej hvor irriterende, den bus er altid forsinket", "hvor træls!",
                                  "åh hvor ærgerligt."])
def test_exclamations_are_not_questions(coder: Coder, text: str) -> None:
    analysis = coder.analyse(text, LATE, "da")
    assert analysis.features["open_form"] == 0
    assert coder.code(text, LATE, "da").primary is not C.OPEN_QUESTION


BENEFITS = "Jeg tør ikke starte på noget, for så mister jeg måske kontanthjælpen."


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        # "så" puts the verb first in a statement (V2): a reflection, not a yes/no question ...
        ("så tør du ikke starte på noget", C.SIMPLE_REFLECTION),
        ("så er du bange for at miste kontanthjælpen", C.COMPLEX_REFLECTION),
        ("og så tør du ikke", C.SIMPLE_REFLECTION),
        # ... also typed with "?" (rule 3) and after a comma, where it used to split off a question.
        ("det er hårdt, så er du træt?", C.SIMPLE_REFLECTION),
        # The question puts the verb first itself, or has a comma after "så".
        ("er du så bange for det", C.CLOSED_QUESTION),
        ("så, er du klar til at starte", C.CLOSED_QUESTION),
        ("så hvad gør du nu", C.OPEN_QUESTION),
        # "så er det bare at …" and "så skulle du …" push.
        ("så er det bare at komme i gang", C.PERSUADE),
        ("så skulle du få en anden til at hjælpe dig", C.PERSUADE),
        # A question for a length of time is closed (rule 4); verb first with "det" asks yes or no.
        ("hvor lang tid er det siden", C.CLOSED_QUESTION),
        ("hvor lang tid du vil bruge på det, bestemmer du", C.EMPHASIZE_AUTONOMY),
        ("ligger det stadig derhjemme", C.CLOSED_QUESTION),
        ("vil du ha at jeg fortæller lidt om det", C.ASK_PERMISSION),
        # Labels, reproach and alarm.
        ("du lyder som en rigtig ludoman når du snakker sådan", C.CONFRONT),
        ("lidt dobbeltmoralsk ik", C.CONFRONT),
        ("hvorfor i alverden skulle du dog gøre det", C.CONFRONT),
        ("det er livsfarligt at rode med", C.CONFRONT),
        ("endelig, det har vi jo snakket om i månedsvis", C.CONFRONT),
        ("det har vi snakket om før, hvad tænker du om det nu", C.OPEN_QUESTION),
        # A label inside a frame that makes it the client's own thought or what they were told is
        # reflected; the learner's own label judges.
        ("du tænker at du er afhængig", C.SIMPLE_REFLECTION),
        ("du er bange for at du er en taber", C.COMPLEX_REFLECTION),
        ("du har fået at vide at du er alkoholiker", C.SIMPLE_REFLECTION),
        ("du er jo bare doven", C.CONFRONT),
        ("jeg synes du er doven", C.CONFRONT),
        ("du ved godt at du er afhængig", C.CONFRONT),
        # "…, tænker du?" checks a reflection (rule 3); "hvad tænker du?" asks.
        ("så det er ligegyldigt, tænker du?", C.SIMPLE_REFLECTION),
        ("hvad tænker du?", C.OPEN_QUESTION),
        # The client's rights are information, "du har ret" alone is not.
        ("du har faktisk ret til at tage en bisidder med", C.GIVING_INFORMATION),
    ],
)
def test_statement_word_order_and_new_phrases(coder: Coder, text: str, primary: Code) -> None:
    assert coder.code(text, BENEFITS, "da").primary is primary


STUDY = "Eksamen er om to uger og jeg har ikke åbnet en bog."
FOOD = "Jeg ved ikke om jeg gider mere. Kan du ikke bare fortælle mig hvad jeg skal spise?"


BATCH_C: list[tuple[str, str, Code]] = [
        # A question for a number asks about the client's plan: its "du skal" is not advice ...
        ("hvor mange fag er det du skal op i", STUDY, C.CLOSED_QUESTION),
        # ... but "skal du ikke bare …" suggests.
        ("skal du ikke bare læse et kapitel i aften", STUDY, C.PERSUADE),
        # "ik" / "ikk" are typed for "ikke" (`spelling_variants`).
        ("alle har vel lidt ondt i ryggen, det kan da ik være en grund til at sige nej", STUDY, C.CONFRONT),
        ("det er ikk i orden", STUDY, C.CONFRONT),
        # Minimising, siding with the expert, rhetorical challenges.
        ("hvad er der at være bange for, det er bare løb", STUDY, C.CONFRONT),
        ("psykiateren har altså studeret i mange år, hun ved nok hvad hun laver", STUDY, C.CONFRONT),
        ("så det giver da ingen mening at savne det", STUDY, C.CONFRONT),
        ("synes du selv det er normalt at skulle have en øl før morgenmaden?", STUDY, C.CONFRONT),
        ("tre uger?? hvad havde du da regnet med der ville ske", STUDY, C.CONFRONT),
        # A warning is future; "… så hårde, at du ender med at tage dem" describes what happens.
        ("hvis du fortsætter, ender du med at dumpe", STUDY, C.CONFRONT),
        ("nætterne er så hårde at du ender med at tage dem", STUDY, C.SIMPLE_REFLECTION),
        # Autonomy, agenda and permission phrasings found in the fresh batches.
        ("hvis du hellere vil arbejde, så er det et helt legitimt valg", STUDY, C.EMPHASIZE_AUTONOMY),
        ("er det ok at vi bruger lidt tid på morgenerne i dag", STUDY, C.SEEK_COLLABORATION),
        ("kunne vi kigge på nogle af de aftener sammen", STUDY, C.SEEK_COLLABORATION),
        ("vil du ha nogle tips til hvordan man kan holde vægten", STUDY, C.ASK_PERMISSION),
        # The client asked for advice in the line: advice is given with permission.
        ("prøv at skifte det hvide brød ud med rugbrød", FOOD, C.PERSUADE_WITH_PERMISSION),
        ("prøv at skifte det hvide brød ud med rugbrød", STUDY, C.PERSUADE),
        ("et sted at starte kunne være at spise morgenmad", FOOD, C.PERSUADE_WITH_PERMISSION),
        ("det er dit valg, men jeg ville nu holde en pause på en måned", STUDY, C.PERSUADE),
        ("SOSU er et godt valg. prøv det", STUDY, C.PERSUADE),
        ("hej igen", STUDY, C.OTHER),
        # A command after "men" or a comma pushes, also after validation ("det er forståeligt, men …").
        ("det er forståeligt, men prøv at tale med en psykolog om det", STUDY, C.PERSUADE),
        ("helt naturligt, så tag en tur rundt om bygningen i stedet", STUDY, C.PERSUADE),
        ("det giver mening, men så spørg lægen om en nedtrapningsplan", FOOD, C.PERSUADE_WITH_PERMISSION),
        ("det er svært, men lad os se på det sammen", STUDY, C.SEEK_COLLABORATION),
        # After an acknowledging adverb the verb comes first in a statement (V2); with a comma it asks.
        ("selvfølgelig er du frustreret", STUDY, C.COMPLEX_REFLECTION),
        ("selvfølgelig, er det ok for dig?", STUDY, C.CLOSED_QUESTION),
        ("nå, det er da forståeligt, men det var jo også lidt dumt at tage til en fest", STUDY, C.CONFRONT),
        # Suggestions phrased as an expected benefit or as what is worth doing.
        ("så det ville nok hjælpe dig at stoppe", STUDY, C.PERSUADE),
        ("du tænker at det ville hjælpe dig at stoppe", STUDY, C.SIMPLE_REFLECTION),
        ("det er værd at presse sig selv lidt de første uger", STUDY, C.PERSUADE),
        ("det skulle du tale med lægen om", STUDY, C.PERSUADE),
        ("kunne du ikke prøve at gå en tur i stedet", STUDY, C.PERSUADE),
        ("og hvor længe tror du lige det holder", STUDY, C.CONFRONT),
]


SLEEP = "Det er det eneste der får mig til at sove. Uden et par øl ligger jeg bare og stirrer op i loftet."
EAT = "Hvad skal jeg egentlig spise? Der er så mange forskellige råd, at jeg ikke ved hvad jeg skal tro på."


BATCH_D: list[tuple[str, str, Code]] = [
        # Advice with the modal after an adverb (V2) or after "nu"; plural "I"; suggestions with "du kunne".
        ("så måske skulle du prøve det en måned", SLEEP, C.PERSUADE),
        ("flot, og nu må du ikke give op, du er næsten i mål", SLEEP, C.PERSUADE),
        ("så skal I nok skære ned på det søde derhjemme", SLEEP, C.PERSUADE),
        ("så skal du i gang igen", SLEEP, C.SIMPLE_REFLECTION),
        ("så kunne du måske bare lade være med at købe en pakke", SLEEP, C.PERSUADE),
        ("du kunne jo finde nogle nye at være sammen med", SLEEP, C.PERSUADE),
        ("det er dit valg, men du kunne jo i det mindste ryge udenfor", SLEEP, C.PERSUADE),
        ("du kunne ikke sove uden", SLEEP, C.SIMPLE_REFLECTION),
        ("du kunne jo godt lide det", SLEEP, C.SIMPLE_REFLECTION),
        # Arguments for change: the gain, the better life, what helps.
        ("så der er meget at vinde ved at skære ned", SLEEP, C.PERSUADE),
        ("så du ville nok sove bedre uden", SLEEP, C.PERSUADE),
        ("det handler ikke kun om penge, tænk på hvor godt det er at komme ud", SLEEP, C.PERSUADE),
        ("det kan hjælpe at fjerne alt grejet fra lejligheden", SLEEP, C.PERSUADE),
        ("en ting der virker for mange er at trappe ned over et par uger", EAT, C.PERSUADE_WITH_PERMISSION),
        # The client asks what to eat: advice answers a request.
        ("prøv at tage én ting ad gangen", EAT, C.PERSUADE_WITH_PERMISSION),
        # A legal fact is information; judging the client's act as illegal confronts.
        ("det er ulovligt at sælge e-cigaretter til unge under 18", SLEEP, C.GIVING_INFORMATION),
        ("det er ulovligt, og det ved du godt", SLEEP, C.CONFRONT),
        # Siding with the family or the doctor against the client; the client's own thought is reflected.
        ("din mor har nok ret, sygeplejersker får altid job", SLEEP, C.CONFRONT),
        ("så du tænker din mor har ret", SLEEP, C.SIMPLE_REFLECTION),
        # "må jeg lige høre, <question>" asks the question; "må jeg spørge om noget" asks permission.
        ("må jeg lige høre, hvor meget tager du om dagen", SLEEP, C.CLOSED_QUESTION),
        ("må jeg spørge, hvad tænker du om det", SLEEP, C.OPEN_QUESTION),
        ("må jeg fortælle lidt om det", SLEEP, C.ASK_PERMISSION),
        ("jeg kender nogle søvnråd, er det noget du vil høre om", SLEEP, C.ASK_PERMISSION),
        # A judgement word inside "selvom …" is the client's feeling, not the learner's verdict.
        ("du siger det alligevel, selvom det er pinligt. det er modigt", SLEEP, C.AFFIRM),
]


PILLS = "Jeg glemmer mine blodtrykspiller hver anden dag. Det er ikke fordi jeg ikke vil, jeg er bare glemsom."


BATCH_E: list[tuple[str, str, Code]] = [
        # Careful writers put a comma before the embedded question: still a yes/no question (rule 4).
        ("Ved du, hvor mange breve der ligger uåbnede?", PILLS, C.CLOSED_QUESTION),
        ("ved du hvor mange breve der ligger", PILLS, C.CLOSED_QUESTION),
        ("Hvad ved du om det?", PILLS, C.OPEN_QUESTION),
        # An offer checked at the end asks permission; the same words about something else ask a question.
        ("Jeg har et par tricks, som andre har brugt. Er du interesseret?", PILLS, C.ASK_PERMISSION),
        ("Der er nogle ting, som jeg gerne vil dele med dig. Er det i orden?", PILLS, C.ASK_PERMISSION),
        ("Er du interesseret i det job?", PILLS, C.CLOSED_QUESTION),
        ("er det i orden at du drikker på arbejde?", PILLS, C.CLOSED_QUESTION),
        ("Jeg har nogle idéer til hurtig hverdagsmad. Skal jeg nævne et par stykker?", PILLS, C.ASK_PERMISSION),
        # Phone-typed requests for permission.
        ("ok hvis jeg fortæller lidt om hvordan vi plejer at gøre", PILLS, C.ASK_PERMISSION),
        ("jeg har læst lidt om søvn, gider du evt høre det", PILLS, C.ASK_PERMISSION),
        ("er du ok med at jeg fortæller lidt om hvad hash gør ved søvnen", PILLS, C.ASK_PERMISSION),
        ("kunne det være ok jeg fortalte hvordan andre har grebet det an", PILLS, C.ASK_PERMISSION),
        # Pushes: "nu gælder det bare om …", a better alternative, "hvorfor … du ikke bare", a good moment.
        ("mega sejt at du har søgt så mange, nu gælder det bare om ikk at give op", PILLS, C.PERSUADE),
        ("har du prøvet melatonin i stedet? det er meget mindre skadeligt", PILLS, C.PERSUADE),
        ("Hvorfor sætter du ikke bare en alarm?", PILLS, C.PERSUADE),
        ("Så er det jo et godt tidspunkt at tage en pause.", PILLS, C.PERSUADE),
        ("det bedste er at stoppe helt med nikotin", PILLS, C.PERSUADE),
        ("det bedste var da vi var i sommerhus", PILLS, C.GIVING_INFORMATION),
        # Minimising the client's worry, judging the act, flat disagreement.
        ("En måned er masser af tid. Det skal du slet ikke stresse over.", PILLS, C.CONFRONT),
        ("Det var ikke særlig klogt at stoppe på egen hånd.", PILLS, C.CONFRONT),
        ("det er altså noget helt andet, hash er ulovligt", PILLS, C.CONFRONT),
        ("om du vil søge videre eller prøve noget helt andet, det er din beslutning", PILLS, C.EMPHASIZE_AUTONOMY),
        ("så vidt jeg ved kan apoteket dosere dem for dig", PILLS, C.GIVING_INFORMATION),
]


BATCH_F: list[tuple[str, str, Code]] = [
        # A wh-word with a subject after it (also a noun in the definite form) is an indirect question
        # inside a statement; "hvad der …" too, unless typed with "?".
        ("du forstår ikke, hvorfor vægten ikke flytter sig", PILLS, C.SIMPLE_REFLECTION),
        ("det er svært, hvad gør dig mest nervøs", PILLS, C.OPEN_QUESTION),
        ("hvad der skal ske efter de tre uger bestemmer du helt selv", PILLS, C.EMPHASIZE_AUTONOMY),
        ("hvad der skal til?", PILLS, C.OPEN_QUESTION),
        # Siding with the doctor or the family, in more words.
        ("Din mor har nu en pointe.", PILLS, C.CONFRONT),
        ("din læge har nok sine grunde til at sige det", PILLS, C.CONFRONT),
        ("nej nej, sådan må du ikke snakke om dig selv, det passer jo slet ikke", PILLS, C.CONFRONT),
        # Arguments for the better choice; V2 after a conditional clause.
        ("det ville være endnu bedre hvis du også stoppede med den", PILLS, C.PERSUADE),
        ("selv hvis det var mindre skadeligt, ville det stadig være bedst for dig at stoppe", PILLS, C.PERSUADE),
        # Permission requests with a typo ("lust") or asking whether the client wants to know.
        ("jeg har nogle tanker om det. har du lust til at høre dem", PILLS, C.ASK_PERMISSION),
        ("vil du vide lidt om hvilken hjælp man kan få", PILLS, C.ASK_PERMISSION),
        ("vil du hører om dem også", PILLS, C.ASK_PERMISSION),
        # Autonomy followed by the learner's own recommendation or a leading "du vil vel gerne …" pushes.
        ("det er dit liv, men jeg vil altså anbefale dig at vælge noget kortere", PILLS, C.PERSUADE),
        ("du bestemmer selv, men jeg vil nu sige at en uddannelse giver flere døre", PILLS, C.PERSUADE),
        ("det er op til dig, men du vil vel gerne have det knæ ordnet, ikke", PILLS, C.PERSUADE),
        ("så der er rigtig god grund til at finde en type du kan tåle", PILLS, C.PERSUADE),
        # What the family says about the client is reported; agreeing with it sides against the client.
        ("din mor tror du er narkoman", PILLS, C.SIMPLE_REFLECTION),
        ("du er narkoman", PILLS, C.CONFRONT),
        ("når din kone siger det, er der nok noget om det", PILLS, C.CONFRONT),
        ("de fleste skal igennem flere forsøg, så det gælder bare om at prøve igen", PILLS, C.PERSUADE),
        ("kunne det være en hjælp hvis jeg fortalte hvordan jeg kan støtte dig", PILLS, C.ASK_PERMISSION),
]


BATCH_G: list[tuple[str, str, Code]] = [
        # Careful writers' commas and the doctor's words asked about: a question, not advice.
        ("Er det noget, du gerne vil høre om?", PILLS, C.ASK_PERMISSION),
        ("har du noget imod jeg fortæller lidt om det", PILLS, C.ASK_PERMISSION),
        ("har lægen sagt hvor længe du skulle tage dem", PILLS, C.CLOSED_QUESTION),
        ("sagde lægen noget om hvordan du skulle gøre det", PILLS, C.CLOSED_QUESTION),
        ("lægen har sagt det, så du skal stoppe", PILLS, C.PERSUADE),
        # Autonomy in more forms.
        ("Hvis du stopper, skal det være din egen beslutning og ikke kun hendes.", PILLS, C.EMPHASIZE_AUTONOMY),
        ("Det er jer som forældre, der bestemmer, hvordan jeres aftener skal se ud.", PILLS, C.EMPHASIZE_AUTONOMY),
        ("Det er en personlig beslutning, og den tilhører dig.", PILLS, C.EMPHASIZE_AUTONOMY),
        ("beslutningen er din", PILLS, C.EMPHASIZE_AUTONOMY),
        ("Mit råd vil være, at du lægger en plan. Men beslutningen er selvfølgelig din.", PILLS,
         C.PERSUADE_WITH_PERMISSION),
        # Siding with the partner, rhetorical "is it worth it"; understanding the client's feeling is not siding.
        ("Jeg kan egentlig godt forstå din kæreste.", PILLS, C.CONFRONT),
        ("jeg kan godt forstå din frustration", PILLS, C.OTHER),
        ("Men den pause koster dig jo dine lunger. Er den virkelig det værd?", PILLS, C.CONFRONT),
        ("synes du selv det giver mening at blive ved", PILLS, C.CONFRONT),
]


def test_advice_words_inside_the_clients_doubt_are_not_advice(coder: Coder) -> None:
    # "du skal" reports what the client weighs ("er i tvivl om, hvorvidt …"), in careful writers' commas too.
    for text in ("Du er i tvivl om, hvorvidt du skal nævne angsten.", "du er i tvivl om du skal nævne angsten"):
        coded = coder.code(text, PILLS, "da")
        assert coded.valence is not Valence.INCONSISTENT and Code.PERSUADE not in coded.codes


HOW = "Kan du ikke bare fortælle mig hvordan man holder op? Jeg har prøvet selv og det duer ikke."


BATCH_H: list[tuple[str, str, Code]] = [
        # Bare commands push; "sæt dig" is hospitality. After "fortæl mig hvordan man …" advice is asked for.
        ("sæt vækkeuret til otte", PILLS, C.PERSUADE),
        ("åbn ét brev i aften", PILLS, C.PERSUADE),
        ("det sker sgu for alle, sæt dig bare", PILLS, C.SIMPLE_REFLECTION),
        ("læg en plan for aftenerne", HOW, C.PERSUADE_WITH_PERMISSION),
        ("Det, der hjælper mange, er at sætte en stopdato.", HOW, C.PERSUADE_WITH_PERMISSION),
        # Permission in more words.
        ("har du lyst til et par idéer til at komme i gang", PILLS, C.ASK_PERMISSION),
        ("har du lyst at høre hvordan hash påvirker søvn", PILLS, C.ASK_PERMISSION),
        ("Er det noget, du kunne tænke dig at høre om?", PILLS, C.ASK_PERMISSION),
        # Polite confrontation: minimising, moralising, a label.
        ("så egentlig burde det her ikke være så svært", PILLS, C.CONFRONT),
        ("Sådan gør man altså ikke med den slags medicin.", PILLS, C.CONFRONT),
        ("En flaske hver aften er altså et misbrug", PILLS, C.CONFRONT),
        ("det kan enhver da", PILLS, C.CONFRONT),
        ("Hun har ret. Det er på tide, du tager dig sammen.", PILLS, C.CONFRONT),
        ("du tænker at hun har ret", PILLS, C.SIMPLE_REFLECTION),
]

SCREEN = "Min søn sidder foran skærmen til kl 3 hver nat. Sig mig hvad jeg skal gøre, jeg er helt tom for ideer."
STRAIGHT = "Sig det bare ligeud. Drikker jeg for meget? Jeg vil hellere have at du siger det."
CHIPS = "Har du nogle gode ideer til hvad jeg kan spise om aftenen i stedet for chips?"
BACK_OFF = "Du skal ikke komme og fortælle mig hvad jeg kan og ikke kan. Det har alle andre gjort i årevis."
LATE_BUS = "Hej, undskyld jeg kommer for sent, bussen kørte fra mig."
PREGNANT = "Jeg er gravid i uge 14 og har skåret ned til fem om dagen."


BATCH_I: list[tuple[str, str, Code]] = [
        # Requests for advice in more words ("sig mig hvad", "sig det bare ligeud", "hvad vil du anbefale") ...
        ("tal med ham om det når I ikke er oppe at skændes", SCREEN, C.PERSUADE_WITH_PERMISSION),
        ("jeg vil anbefale at du får taget levertal hos lægen", STRAIGHT, C.PERSUADE_WITH_PERMISSION),
        ("prøv evt plaster først og se hvordan det går", "Hvad vil du anbefale, plaster eller tyggegummi?",
         C.PERSUADE_WITH_PERMISSION),
        # ... but "du skal ikke komme og fortælle mig hvad jeg kan" is discord, not a request.
        ("nu skal du lige slappe lidt af", BACK_OFF, C.PERSUADE),
        ("nu skal du lige slappe lidt af", "kan du ikke sige mig hvad jeg skal gøre", C.PERSUADE_WITH_PERMISSION),
        # Short commands: "prøv" + a noun, "få", "bed om", "evt" before the command; "prøv at fortælle" asks.
        ("prøv popcorn uden for meget smør", CHIPS, C.PERSUADE_WITH_PERMISSION),
        ("få en lektiehjælper", "Jeg dumpede matematik igen. Jeg er vel bare dum.", C.PERSUADE),
        ("bed om en ny sagsbehandler", "Min sagsbehandler hører aldrig efter.", C.PERSUADE),
        ("prøv at fortælle lidt mere om det", CHIPS, C.OPEN_QUESTION),
        ("man kan søge om SPS og få fx oplæsningsprogram", "Jeg er ordblind.", C.GIVING_INFORMATION),
        # Praise typed without "at": "godt du kom"; not "så godt du kan", "jeg forstår godt du er træt".
        ("godt du kom alligevel", LATE_BUS, C.AFFIRM),
        ("stærkt at holde det kørende", "Jeg har gået tur hver dag i to uger nu.", C.AFFIRM),
        ("du får tre børn til at køre, det er ikke småting", "Jeg har ikke tid med tre børn.", C.AFFIRM),
        ("jeg forstår godt du er træt af at vente", LATE_BUS, C.COMPLEX_REFLECTION),
        # Autonomy: nobody else decides, the right to live one's own way; a right to a service is information.
        ("ingen andre end dig kan beslutte hvad det næste skridt skal være", PREGNANT, C.EMPHASIZE_AUTONOMY),
        ("Det er dig, der bestemmer tempoet, og ingen ved bedre end dig, hvornår du er klar.", PREGNANT,
         C.EMPHASIZE_AUTONOMY),
        ("du tror du ved bedre end lægen", PREGNANT, C.SIMPLE_REFLECTION),
        ("du har ret til at leve dit liv på din egen måde", PREGNANT, C.EMPHASIZE_AUTONOMY),
        ("du har ret til at få en tolk med", PREGNANT, C.GIVING_INFORMATION),
        # Reproach as a question; an opinion that something is best is a push.
        ("synes du selv fem om dagen er okay når du er gravid?", PREGNANT, C.CONFRONT),
        ("jeg tror ærligt talt det er bedst at være åben fra starten", CHIPS, C.PERSUADE),
]


PLASTERS = "Hjælper de der plastre overhovedet noget? Hvad synes du?"
QUIT = "Jeg vil gerne stoppe."
CLEAN_WEEK = "Jeg har ikke røget i en uge."
BATCH_J: list[tuple[str, str, Code]] = [
        # The client asks for the student's view ("Hvad synes du?", "hvad ville du så gøre", "kan du ikke
        # bare give mig en plan"): advice is given with permission; the same advice unasked is a push.
        ("prøv dem en uge og se", PLASTERS, C.PERSUADE_WITH_PERMISSION),
        ("prøv dem en uge og se", "Jeg har købt nogle plastre.", C.PERSUADE),
        ("start med to gåture om ugen", "Kan du ikke bare give mig en træningsplan?", C.PERSUADE_WITH_PERMISSION),
        ("jeg ville sige ja", "Hvad synes du, skal jeg tage imod jobbet?", C.PERSUADE_WITH_PERMISSION),
        ("jeg ville nok starte med weekenderne", "Okay, hvad ville du så gøre?", C.PERSUADE_WITH_PERMISSION),
        ("mange har godt af at gå en tur efter aftensmaden", "Jeg spiser alt for sent.", C.PERSUADE),
        ("mit bud er at starte med morgenmaden", "Jeg spiser for meget om aftenen.", C.PERSUADE),
        ("det ville være klogt at spørge lægen først", "Jeg stopper bare med pillerne.", C.PERSUADE),
        # "hvor man skal starte" is an indirect question, not advice; ending up better off is not a warning.
        ("det er svært at vide hvor man skal starte med sådan en stor opgave", "Der er bare så meget.",
         C.GIVING_INFORMATION),
        ("så du ender med at have flere penge end nu", "Mister jeg så min kontanthjælp?", C.SIMPLE_REFLECTION),
        ("hvis du ikke stopper, ender du med at miste jobbet", "Jeg drikker lidt for meget.", C.CONFRONT),
        # Offers: "vil du se et eksempel", "ok at jeg …", "jeg kan fortælle …, hvis det kan hjælpe".
        ("vil du se et eksempel", "Hvordan bliver det regnet ud?", C.ASK_PERMISSION),
        ("vil du se det som en chance", "Hvordan bliver det regnet ud?", C.CLOSED_QUESTION),
        ("ok at jeg siger hvad jeg har set virke for andre?", "Jeg har prøvet alt.", C.ASK_PERMISSION),
        ("jeg kan godt fortælle hvad der typisk sker når man starter på medicinen, hvis det kan hjælpe",
         "Lægen vil give mig medicin.", C.ASK_PERMISSION),
        ("kan vi sætte dine udgifter op på papir", "Pengene slår aldrig til.", C.SEEK_COLLABORATION),
        # Autonomy: "ingen her bestemmer hvad du skal" (its "du skal" is not advice), "du afgør selv", "vælg selv".
        ("ingen her bestemmer hvad du skal", "I vil bare bestemme over mig.", C.EMPHASIZE_AUTONOMY),
        ("du skal vælge et job nu", "I vil bare bestemme over mig.", C.PERSUADE),
        ("du afgør selv hvor meget du vil drikke", "Jeg drikker kun i weekenden.", C.EMPHASIZE_AUTONOMY),
        ("vælg selv hvilken dag du starter", QUIT, C.EMPHASIZE_AUTONOMY),
        ("vælg en dag at starte", QUIT, C.PERSUADE),
        # Praise: "stærkt du …", "klogt at …", "det har krævet noget af dig"; "godt du ved" is no praise.
        ("stærkt du holder fast", CLEAN_WEEK, C.AFFIRM),
        ("klogt at spørge lægen først", "Er det farligt at stoppe med pillerne?", C.AFFIRM),
        ("det har krævet noget af dig", CLEAN_WEEK, C.AFFIRM),
        ("det tror jeg godt du ved", "Ved ikke.", C.SIMPLE_REFLECTION),
        # Short commands: "udskyd", "book", "slet", "gør nu …", "sig det hellere til …".
        ("udskyd den første smøg en halv time", "Jeg ryger 20 om dagen.", C.PERSUADE),
        ("book en tid hos lægen", "Jeg har ondt i ryggen igen.", C.PERSUADE),
        ("slet appen", "Jeg spiller for meget på mobilen.", C.PERSUADE),
        ("gør nu uddannelsen færdig", "Jeg overvejer at droppe ud.", C.PERSUADE),
        ("sig det hellere til chefen", "Jeg har ikke fortalt det på arbejdet.", C.PERSUADE),
        # Judgement as the whole reply, exasperation ("stop dog"), blame; the client's own judgement reflected.
        ("uansvarligt.", "Jeg har selv stoppet min medicin.", C.CONFRONT),
        ("stop dog med at klage", "Alt er bare skidt.", C.CONFRONT),
        ("du må også selv tage noget ansvar", "Kommunen gør ingenting for mig.", C.CONFRONT),
        ("du synes selv det er dumt", "Det er dumt, jeg ved det godt.", C.SIMPLE_REFLECTION),
]


PHONE = "Min datter siger jeg er for meget på telefonen."
NO_BED = "Jeg har ingen steder at sove."
BATCH_K: list[tuple[str, str, Code]] = [
        # Information: a duty the client does not have, "det kommer an på …".
        ("du har ingen pligt til at fortælle det til arbejdsgiveren", "Skal jeg sige det til min chef?",
         C.GIVING_INFORMATION),
        ("det kommer an på din dosis", "Kan jeg drikke på lithium?", C.GIVING_INFORMATION),
        # Advice: to a couple, as a command, as a question with "ikke", as "din bedste chance"; not "finde ud af".
        ("måske i kunne aftale en fast dag sammen", "Min kone tæller mine øl.", C.PERSUADE),
        ("skær sodavanden væk", "Jeg vil gerne tabe mig.", C.PERSUADE),
        ("kunne du ikke finde en anden måde at slappe af på", "Vinen er mit frirum.", C.PERSUADE),
        ("kunne du ikke finde ud af det", "Formularen var svær.", C.CLOSED_QUESTION),
        ("det er din bedste chance", "Jeg skal testes om tre uger.", C.PERSUADE),
        ("det kunne sagtens være noget for jer", PHONE, C.PERSUADE),
        # The client asks: "sig nu bare hvad …", "hvor lang tid ville du vælge", "giv mig lige et tip".
        ("gå i seng lidt før", "Sig nu bare hvad jeg skal gøre.", C.PERSUADE_WITH_PERMISSION),
        ("tag et halvt år", "Hvor lang tid ville du vælge?", C.PERSUADE_WITH_PERMISSION),
        ("børst tænder lige efter maden", "Giv mig lige et tip.", C.PERSUADE_WITH_PERMISSION),
        # Offers ("kunne du bruge lidt info …", "…, skal jeg det"); "kunne du bruge" + a person asks.
        ("kunne du bruge lidt info om hvor man kan få hjælp", NO_BED, C.ASK_PERMISSION),
        ("kunne du bruge din søster", NO_BED, C.CLOSED_QUESTION),
        ("jeg kan fortælle hvad andre har gjort, skal jeg det", "Intet virker.", C.ASK_PERMISSION),
        # Threats with "ellers", doubting the client's effort; "tanken om at du er svag" reflects.
        ("du er nødt til at komme, ellers ryger din ydelse", "Hvorfor skal jeg snakke med dig?", C.CONFRONT),
        ("har du nu virkelig prøvet alt", "Jeg har prøvet alle kure.", C.CONFRONT),
        ("tanken om at du er svag fylder meget", "Jeg er bare for svag.", C.COMPLEX_REFLECTION),
        # Praise and autonomy in other words; a question with the verb first about what someone said.
        ("det viser noget om dig", "Jeg kom alligevel i dag.", C.AFFIRM),
        ("det er ikke alle forældre der lytter så godt", PHONE, C.AFFIRM),
        ("det afgør du helt selv", "Hvor lang tid skal jeg spærre mig?", C.EMPHASIZE_AUTONOMY),
        ("sagde han noget om hvorfor", "Lægen siger jeg skal tabe mig.", C.CLOSED_QUESTION),
]


BATCH_L: list[tuple[str, str, Code]] = [
        # Offers: "…, hvis du er interesseret" after a long object; "vil du have dem" closing the reply.
        ("jeg kan fortælle hvad jeg har set virke for andre unge i samme situation, hvis du er interesseret",
         "Skal jeg skrive det i ansøgningen?", C.ASK_PERMISSION),
        ("jeg har nogle tips fra andre, vil du have dem", "Jeg glemmer mine piller.", C.ASK_PERMISSION),
        ("vil du have dem tilbage i dit liv", "Jeg har mistet mine venner.", C.CLOSED_QUESTION),
        # Correcting and minimising.
        ("der findes ikke noget der hedder sikker hash", "Jeg ryger kun ren hash.", C.CONFRONT),
        ("det er da ikke noget at brokke sig over", "Jeg har ondt i ryggen efter praktikken.", C.CONFRONT),
        # "Det vigtigste er at du …" + an act is a push; + what the client has is a reflection.
        ("det vigtigste er at du kommer i gang igen", "Jeg har ikke lavet noget i et halvt år.", C.PERSUADE),
        ("det vigtigste er at du har fået det bedre", "Vægten står stille, men jeg sover bedre.",
         C.SIMPLE_REFLECTION),
        ("mit forslag er at du skriver det ned", "Hvad gør jeg forkert?", C.PERSUADE_WITH_PERMISSION),
        # Autonomy: "…, må du selv vurdere" closing the reply; "du er den eneste der kan afgøre".
        ("om det tæller, må du selv vurdere", "Det tæller vel ikke at ryge til fester.", C.EMPHASIZE_AUTONOMY),
        ("du er den eneste der kan afgøre om det er det rigtige", "Jeg ved ikke om jeg skal blive på gymnasiet.",
         C.EMPHASIZE_AUTONOMY),
]


BATCH_M: list[tuple[str, str, Code]] = [
        # "vi kan … sammen" in statement order offers to work together; without "sammen" it does not.
        ("vi kan kigge på brevene sammen næste gang", "Jeg har ikke åbnet min post i en måned.",
         C.SEEK_COLLABORATION),
        ("vi kan godt kigge på brevene næste gang", "Jeg har ikke åbnet min post i en måned.",
         C.GIVING_INFORMATION),
        ("vi regner på det sammen med dine egne tal", "Jeg ved ikke om jeg har råd til at flytte.",
         C.SEEK_COLLABORATION),
        # An offer checked at the end ("er det ok med dig", "har du lyst til at hører det", typed so);
        # "er det ok med dig at vi …" asks about a plan.
        ("jeg har læst lidt om det, er det ok med dig", "Jeg skylder penge til tre forskellige.",
         C.ASK_PERMISSION),
        ("jeg ved lidt om hvordan den slags aftaler laves, har du lyst til at hører det",
         "Jeg skylder penge til tre forskellige.", C.ASK_PERMISSION),
        ("er det ok med dig at vi flytter mødet til tirsdag", "Jeg skylder penge til tre forskellige.",
         C.CLOSED_QUESTION),
        # Asked for: "har du nogle tricks", "ka du ik bare give mig …", "hvad skal jeg sige …", "sig hvilken …
        # jeg skal …"; the same advice unasked is a push.
        ("læg den i en skuffe om aftenen", "har du nogle tricks til at få telefonen væk? jeg sover for lidt",
         C.PERSUADE_WITH_PERMISSION),
        ("læg den i en skuffe om aftenen", "jeg sover for lidt, telefonen er altid i sengen", C.PERSUADE),
        ("start med at gå en tur hver dag", "ka du ik bare give mig en plan", C.PERSUADE_WITH_PERMISSION),
        ("skriv tre stikord ned inden", "hvad skal jeg sige til min chef?", C.PERSUADE_WITH_PERMISSION),
        ("jeg ville vælge noget praktisk", "kan du ikke bare sige hvilken linje jeg skal tage?",
         C.PERSUADE_WITH_PERMISSION),
        ("sæt en alarm på telefonen", "Giv mig lige et godt råd til at huske pillerne", C.PERSUADE_WITH_PERMISSION),
        ("sæt en alarm på telefonen", "Jeg glemmer mine piller.", C.PERSUADE),
        ("jeg ville prøve dem i en måned", "Hvad synes du om nikotinplastre? Min svoger siger de ikke virker.",
         C.PERSUADE_WITH_PERMISSION),
        # A command after autonomy talk and "men" pushes, as advice words there do; before it, or when the
        # client asked, it is advice given with permission.
        ("det er dit valg, men ring nu til lægen", "Jeg vil ikke tage pillerne mere.", C.PERSUADE),
        ("det er op til dig. men stop nu med at drikke før weekenden", "Jeg drikker for meget.", C.PERSUADE),
        ("ring til lægen, men det er selvfølgelig dit valg", "Jeg vil ikke tage pillerne mere.",
         C.PERSUADE_WITH_PERMISSION),
        ("det er dit valg, men ring nu til lægen", "Hvad synes du jeg skal gøre?", C.PERSUADE_WITH_PERMISSION),
        # Judgements: a label, a reproach asked as a question; asking how it feels is no reproach.
        ("du er bare sjusket med det", "Jeg glemmer mine piller igen.", C.CONFRONT),
        ("er det ikke lidt uansvarligt at køre bil efter festen",
         "Jeg kørte hjem efter festen, jeg havde kun fået tre øl.", C.CONFRONT),
        ("er det nu en god idé at droppe pillerne", "Jeg har droppet pillerne, de gør mig træt.", C.CONFRONT),
        ("er det ikke en smule naivt at tro det", "Jeg kan sagtens styre det, jeg drikker kun til fester.", C.CONFRONT),
        ("er det en god idé for dig at starte i morgen", "Jeg vil gerne starte på diæten.", C.CLOSED_QUESTION),
        ("har du noget at skjule", "Jeg vil ikke have at du skriver noget ned.", C.CONFRONT),
        ("er det pinligt for dig at tale om", "Jeg vil ikke have at du skriver noget ned.", C.CLOSED_QUESTION),
        # Short phone replies (round N4): an offer typed as "ok jeg …?" (a statement without "?" is not one),
        # "kan jeg byde ind", "du styrer selv".
        ("ok jeg siger lidt om hvad der virker for andre?", "Jeg kan ikke sove om natten.", C.ASK_PERMISSION),
        ("ok jeg siger det videre til din læge", "Jeg kan ikke sove om natten.", C.GIVING_INFORMATION),
        ("kan jeg byde ind med en idé", "Jeg kan ikke sove om natten.", C.ASK_PERMISSION),
        ("du styrer selv tempoet", "Jeg vil ikke presses.", C.EMPHASIZE_AUTONOMY),
        # Jobcenter talk (round N3): rules held up as a lever and a warning's preface confront; "valget er dit".
        ("du skal være klar over at de kan trække dig i ydelse", "Jeg gider ikke møde op til de der samtaler.",
         C.CONFRONT),
        ("du er godt klar over hvad du vil", "Jeg vil have et job med dyr, ikke i Netto.", C.SIMPLE_REFLECTION),
        ("regler er regler", "Jeg fik en sanktion for at glemme et møde.", C.CONFRONT),
        ("valget er dit", "Jeg ved ikke om jeg skal tage 10. klasse.", C.EMPHASIZE_AUTONOMY),
]

RULER = "Jeg tror faktisk jeg er klar til at søge noget."
ADVICE_ASKED = "Kan du ikke bare give mig et par gode råd? Jeg har brug for noget konkret."
BATCH_P: list[tuple[str, str, Code]] = [
    # Ruler questions ask for a number (round P2): closed, with or without the comma; the follow-up is open.
    ("på en skala fra 0 til 10, hvor klar føler du dig lige nu", RULER, C.CLOSED_QUESTION),
    ("på en skala fra 1-10 hvor vigtigt er det", RULER, C.CLOSED_QUESTION),
    ("hvis du skulle give det en karakter fra 1 til 10, hvor sikker er du så", RULER, C.CLOSED_QUESTION),
    ("hvorfor ikke et lavere tal?", "Jeg ville sige en 6'er.", C.OPEN_QUESTION),
    ("du sagde 6 på skalaen. hvad skal der til for at komme højere?", RULER, C.OPEN_QUESTION),
    # Advice asked for in more words ("give mig et par gode råd", "jeg har brug for noget konkret").
    ("hvis jeg var dig, ville jeg starte med en gåtur efter aftensmaden", ADVICE_ASKED, C.PERSUADE_WITH_PERMISSION),
    ("hvis jeg var dig, ville jeg starte med en gåtur efter aftensmaden", "Jeg vejer for meget.", C.PERSUADE),
    ("mange har held med at stille pilleglasset ved kaffemaskinen", "Du må gerne give mig et godt råd.",
     C.PERSUADE_WITH_PERMISSION),
    ("nogle der starter med bare at udskyde den første smøg", "Jeg ryger 20 om dagen.", C.PERSUADE),
    # One-liners (round P1): bare autonomy, "… sammen?" without "vi", labels and tautologies, commands.
    ("op til dig", "Jeg har røget i 30 år. Det er for sent at stoppe nu.", C.EMPHASIZE_AUTONOMY),
    ("kigge på dem sammen?", "Jeg har søgt 40 job og fået nej alle steder.", C.SEEK_COLLABORATION),
    ("du kan kigge på det sammen med din kone", "Kan jeg få SU?", C.SIMPLE_REFLECTION),
    ("druk er druk", "Jeg drikker kun i weekenden.", C.CONFRONT),
    ("det er afhængighed", "Jeg ryger bare en joint om aftenen for at kunne sove.", C.CONFRONT),
    ("det er afhængighed du er bange for", "Jeg ryger bare en joint om aftenen for at kunne sove.",
     C.COMPLEX_REFLECTION),
    ("det overlever du", "Bliver jeg syg hvis jeg stopper?", C.CONFRONT),
    ("tænk på hende", "Min datter gider ikke komme hjem når jeg har drukket.", C.PERSUADE),
    ("læs lidt mere", "Jeg dumpede igen.", C.PERSUADE),
    ("husk dem", "Jeg glemmer mine blodtrykspiller.", C.PERSUADE),
    ("så husk det dog", "Du må gerne give mig et godt råd, jeg glemmer mine piller.", C.CONFRONT),
    # A hard client (round P3): the rules held up, a reproach, a goal set for the client.
    ("sådan er reglerne", "Hvad rager det dig hvad jeg laver i weekenden?", C.CONFRONT),
    ("det var ikke så smart", "Jeg åbner ikke mine breve længere.", C.CONFRONT),
    ("det har jeg også hørt dig sige før", "Jeg stopper på mandag.", C.CONFRONT),
    ("super, så siger vi at du skriver til tre værksteder inden fredag", RULER, C.PERSUADE),
    ("må jeg sige noget?", "Jeg er så doven.", C.ASK_PERMISSION),
    ("gider du se nogle tal på hvor meget unge ryger", "Det er jo bare weed, bro.", C.ASK_PERMISSION),
    # Siding with parents or the doctor confronts; "du ved bedst" hands the judgement back.
    ("forældre ved bedst", "Mine forældre vil have at jeg bliver på HF.", C.CONFRONT),
    ("du ved bedst", "Mine forældre vil have at jeg bliver på HF.", C.EMPHASIZE_AUTONOMY),
    ("det er for dit eget bedste", "Jeg ved godt jeg er fed, okay?", C.CONFRONT),
    ("tænk på lønnen", "Jeg har det fint på kontanthjælp.", C.PERSUADE),
    ("spær dig selv på ROFUS", "Jeg har spillet hele min løn op igen.", C.PERSUADE),
    ("skriv dig op på nogle boliglister", "Jeg vil gerne flytte. Hvad synes du, hvor skal jeg starte?",
     C.PERSUADE_WITH_PERMISSION),
    ("ik min beslutning", "Hvad ville du gøre hvis du var mig?", C.EMPHASIZE_AUTONOMY),
    ("plan sammen?", "Jeg vil gerne stoppe inden babyen kommer.", C.SEEK_COLLABORATION),
    # Round Q2: praise without "at", "du giver … ikke op" (but "du giver bare op" is no praise), "er det dig
    # der sætter tempoet", "har du en idé?" asks for advice, commands trap/hav/kombiner.
    ("dejligt du tager hendes ønske alvorligt", "Min datter har bedt mig om at stoppe.", C.AFFIRM),
    ("du giver altså ikke op", "Jeg har prøvet at stoppe fem gange.", C.AFFIRM),
    ("du giver bare op", "Jeg har prøvet at stoppe fem gange.", C.SIMPLE_REFLECTION),
    ("hvis du en dag vil se på det, er det dig der sætter tempoet", "Rygning får mig til at slappe af.",
     C.EMPHASIZE_AUTONOMY),
    ("læg mobilen i et andet rum", "Jeg bruger fem timer på TikTok hver aften. Har du en idé?",
     C.PERSUADE_WITH_PERMISSION),
    ("trap ned i stedet for at stoppe brat", "Jeg ryger hash hver aften.", C.PERSUADE),
    ("hav ikke slik i huset", "Har du nogle tips til at stoppe med at småspise?", C.PERSUADE_WITH_PERMISSION),
    # ... but a goodbye is no command: "hav det godt", "hav en god weekend", "kig forbi".
    ("hav det godt, vi ses næste uge", "Tak for i dag.", C.OTHER),
    ("hav en rigtig god weekend", "Tak for i dag.", C.OTHER),
    ("kig forbi igen på torsdag", "Tak for i dag.", C.OTHER),
]

BATCH_S: list[tuple[str, str, Code]] = [
    # The follow-up to a ruler answer is open, not a reproach (the client now answers rulers with a number).
    ("hvorfor et 5-tal og ikke et 2-tal?", "Måske en 5'er. Jeg tror godt, jeg kan, men jeg er ikke sikker.",
     C.OPEN_QUESTION),
    ("hvorfor er det ikke et 0", "Omkring 1. Jeg er ikke der endnu.", C.OPEN_QUESTION),
    ("hvorfor kun en 4'er? du har jo alle grunde til at stoppe", "En 4'er måske.", C.CONFRONT),
    ("kun en 3'er?", "En 3'er vel.", C.CONFRONT),  # doubting the client's number or step
    ("kun 3 kilo?", "Jeg har tabt 3 kilo siden sidst!", C.CONFRONT),
    ("du drikker kun 4 om ugen nu", "Jeg drikker kun 4 om ugen nu.", C.SIMPLE_REFLECTION),
    # Round S (the fine lines; institutions' "man" and "vi"): lecturing, rhetorical questions, minimising.
    ("du må forstå at du mister din ydelse hvis du bliver ved", "Jeg gider ikke de møder.", C.CONFRONT),
    ("synes du ikke selv at det er lidt sent at tænke på det nu", "Jeg skulle måske have sagt det til lægen.",
     C.CONFRONT),
    ("synes du selv det var en god idé at stoppe på egen hånd?", "Jeg er stoppet med pillerne.", C.CONFRONT),
    ("er det ikke bedre end at blive indlagt igen?", "Jeg vil ikke have depotinjektionen.", C.CONFRONT),
    ("det er ikke noget at gøre et stort nummer ud af", "Jeg har et hul på fem år i mit CV.", C.CONFRONT),
    ("lad være med at være så pessimistisk", "Ingen vil ansætte mig.", C.CONFRONT),
    ("det bedste man kan gøre er at sige det til lægen", "Jeg tager kun halvdelen af dosen.", C.PERSUADE),
    ("man kunne måske prøve at tage plastret om morgenen", "Jeg ryger mest om morgenen.", C.PERSUADE),
    ("mit bud: ring til dem i morgen", "Hvad synes du, jeg skal gøre? Skal jeg ringe eller skrive?",
     C.PERSUADE_WITH_PERMISSION),
    # ... and their near misses: knowing what you want is a strength.
    ("du ved godt hvad du vil, det er stærkt", "Mine forældre vil have, at jeg bliver læge. Jeg vil være tømrer.",
     C.AFFIRM),
    ("du ved godt at det er forkert", "Jeg tager lidt af min mors piller.", C.CONFRONT),
]

BATCH_U: list[tuple[str, str, Code]] = [
    # Round U (short phone replies of a new class; social workers and bostøtte): telling the client to
    # calm down, holding the client's words against them, the case as a lever, a typo for "nødt".
    ("slap nu af", "Jeg kom bare for at hente mine piller. Hvorfor skal jeg snakke med en studerende nu?",
     C.CONFRONT),
    ("Men du har jo selv sagt til lægen at du gerne ville have hjælp", "Jeg ved ikke om jeg gider tage dem.",
     C.CONFRONT),
    ("det vil se meget bedre ud i din sag hvis du selv er åben om det og går i behandling",
     "Hvis jeg siger jeg ryger, så skriver du det jo bare ned.", C.PERSUADE),
    ("du bliver nød til at åbne dem, det er første skridt", "Jeg åbner ikke mine breve længere.", C.PERSUADE),
    ("en pause er nok en god idé", "Hvad sker der med min SU hvis jeg holder et halvt års pause?", C.PERSUADE),
    ("start med hvorfor du vil ha lige det job",
     "kan du ikke bare skrive hvad jeg skal sætte i ansøgningen, jeg er så elendig til det",
     C.PERSUADE_WITH_PERMISSION),
    # The client's own words said back reflect them; a judgement the client did not make of itself, or
    # one agreed with ("ja, …"), still confronts.
    ("du ved godt at der er rykkere i bunken",
     "Jeg åbner ikke mine breve længere. Der ligger en bunke i gangen, jeg ved godt der er rykkere i.",
     C.SIMPLE_REFLECTION),
    ("du ved godt at det er forkert", "Jeg ved godt det er dumt, men jeg tager lidt af min mors piller.",
     C.CONFRONT),
    ("ja det er din egen skyld", "Det er min egen skyld, det ved jeg godt.", C.CONFRONT),
    ("du er doven", "Jeg gider bare ikke.", C.CONFRONT),
    ("hvad hjælper dig med at slappe af", "Jeg er så stresset.", C.OPEN_QUESTION),
    ("du ender med at drikke for meget", "sig bare hvad du synes. jeg ender altid med at drikke for meget",
     C.SIMPLE_REFLECTION),  # a word of the client's ("altid") between
    ("du ender med at miste jobbet", "Jeg gider ikke de møder.", C.CONFRONT),
    # Read after the hold-out half was scored: commands typed short, reproachful "hvorfor … overhovedet".
    ("aftal på forhånd hvornår du går hjem", "fint, sig bare hvad du synes jeg skal gøre til julefrokosten.",
     C.PERSUADE_WITH_PERMISSION),
    ("luk din konto", "Jeg har spillet for 8000 kr den her måned. Men jeg vinder det nok tilbage.", C.PERSUADE),
    ("hvorfor dog", "Jeg er stoppet med mine antidepressiva.", C.CONFRONT),
    ("hvorfor hører du overhovedet på hende", "Det har min veninde sagt.", C.CONFRONT),
    ("hvorfor hører du musik når du løber", "Jeg løber tre gange om ugen.", C.OPEN_QUESTION),
]

BATCH_W: list[tuple[str, str, Code]] = [
    # Round W (chat-app style with emojis): minimising, a strength in knowing what you don't want.
    ("haha ik så slemt 😅", "hvad skal jeg skrive i mit cv om de 3 år hvor jeg ikke har lavet noget?", C.CONFRONT),
    ("det er da ikke så slemt", "Jeg fik 02 i matematik.", C.CONFRONT),
    ("du ved godt hvad du ik vil ha, det er faktisk en styrke",
     "jeg gider ikke flere kurser. I siger alle sammen det samme", C.AFFIRM),
    # ... and the client's own words said back, with no "du" in them.
    ("det er ikke så slemt, synes du", "Det er ikke så slemt, jeg drikker kun i weekenden.", C.SIMPLE_REFLECTION),
    ("var det ikke så slemt som du troede?", "Samtalen med chefen gik fint.", C.CLOSED_QUESTION),
]

BATCH_X: list[tuple[str, str, Code]] = [
    # Round X (typed as spoken: "ska", "ka", "ku", "sku", "hva", "det'", "ha"): read as the written words.
    ("du ska bare søge, der er jo mangel på sosu'er",
     "Jeg vil gerne tage en sosu-uddannelse, men jeg er 46. Er det ikke for sent?", C.PERSUADE),
    ("det' din krop, du har ret til å bestemme over din egen medicin",
     "Jeg er holdt op med mine antidepressiva.", C.EMPHASIZE_AUTONOMY),
    ("Ska vi kigge på det sammen?", "Jeg ved ikke hvor jeg skal starte.", C.SEEK_COLLABORATION),
    ("du sku prøve at gå en tur i stedet", "Jeg spiser når jeg keder mig.", C.PERSUADE),
    ("hvis du vil ku du prøve en alarm kl 12, men det er dit valg", "Jeg gamer til klokken 3.",
     C.PERSUADE_WITH_PERMISSION),
    ("alkohol ka gøre depressionen værre", "Jeg drikker lidt for at kunne sove.", C.GIVING_INFORMATION),
    ("hva ku gøre det lettere for dig", "Jeg ved ikke om jeg kan klare et job.", C.OPEN_QUESTION),
    ("vil du ha at jeg fortæller lidt om fleksjob", "Jeg ved ikke hvad fleksjob er.", C.ASK_PERMISSION),
    # Near misses: "ka" in a closed question, and a spoken word that is also a written one stays as it is.
    ("ka du løfte tungt", "Jeg har ondt i ryggen.", C.CLOSED_QUESTION),
    ("du ka ikke se dig selv i et kontorjob", "Jeg kan ikke se mig selv sidde på et kontor.", C.SIMPLE_REFLECTION),
]

BATCH_Y: list[tuple[str, str, Code]] = [
    # Round Y (social psychiatry and addiction; very short replies): "skal jeg bare …?" and "hvad virker?" ask for
    # advice, so a command answering them is advice with permission ...
    ("vent og snak med lægen først", "Mine antidepressiva har ikke virket efter en uge. Skal jeg bare stoppe?",
     C.PERSUADE_WITH_PERMISSION),
    ("prøv nikotintyggegummi", "Jeg har prøvet fem gange. Hvad virker egentlig?", C.PERSUADE_WITH_PERMISSION),
    ("prøv 25 min ad gangen", "Jeg kan ikke komme i gang med opgaven. Hvordan får jeg det gjort?",
     C.PERSUADE_WITH_PERMISSION),
    # ... but not "hvorfor skal jeg …?", "nu skal jeg …?" or "…, skal jeg så …?" (a challenge, a fact).
    ("prøv 25 min ad gangen", "Jeg kan ikke komme i gang med opgaven.", C.PERSUADE),
    ("start med at fjerne askebægre og lightere fra huset",
     "Jeg har røget i 25 år. Nu skal jeg til at lave en plan?", C.PERSUADE),
    ("gør nu semesteret færdigt først", "Hvis jeg dropper ud, skal jeg så betale min SU tilbage?", C.PERSUADE),
    # A rhetorical "synes du selv det er godt for …" confronts; a real "synes du selv …?" asks.
    ("40 om dagen, synes du selv det er godt for dine lunger?", "Jeg har røget 40 om dagen i 30 år.", C.CONFRONT),
    ("synes du selv det er godt at have stoppet?", "Jeg har ikke røget i en måned.", C.CLOSED_QUESTION),
]


BATCH_AA: list[tuple[str, str, Code]] = [
    # Rounds AA and AB (jobcenter and health-staff Danish; phone chat; slang): advice said softly or inverted ...
    ("Næste gang vil jeg anbefale at du ringer, hvis du ikke kan komme.", "Jeg kom ikke til samtalen i sidste uge.",
     C.PERSUADE),
    ("jeg ville holde mig fra det de første uger", "Jeg skal til fest på lørdag.", C.PERSUADE),
    ("hvad med hvis du gik en tur i stedet for at ryge", "Jeg ryger kun når jeg er stresset.", C.PERSUADE),
    ("hvad med melatonin eller noget fra lægen i stedet", "En joint om aftenen er det eneste der får mig til at sove.",
     C.PERSUADE),
    # ... is advice with permission when the client asked ("kan jeg drikke …?", "skal jeg …?", "når du spørger").
    ("det er op til dig men jeg vil ik anbefale det", "kan jeg drikke alkohol når jeg får antidepressiv medicin?",
     C.PERSUADE_WITH_PERMISSION),
    ("jeg ville holde mig fra det de første uger", "kan jeg drikke alkohol når jeg får antidepressiv medicin?",
     C.PERSUADE_WITH_PERMISSION),
    ("Hvis jeg skal give dig et råd, så vil jeg nok sige kosten.", "Hvad synes du jeg skal starte med?",
     C.PERSUADE_WITH_PERMISSION),
    ("Når du spørger, så kan det være en fordel at være åben om det.",
     "Skal jeg fortælle arbejdsgiveren at jeg har en diagnose?", C.PERSUADE_WITH_PERMISSION),
    # Blame, threats of sanctions, "ikke alle har den luksus", "er det nu så slemt" confront.
    ("det er vel kun dig selv der er skyld i det hvis det sker", "kan jeg miste min SU hvis jeg dumper en eksamen?",
     C.CONFRONT),
    ("Du er forpligtet til at deltage, og udebliver du, kan det få konsekvenser for din ydelse.",
     "Jeg gider ikke flere samtaler.", C.CONFRONT),
    ("Det er bare ikke alle der har den luksus at kunne vælge og vrage.", "Jeg vil ikke tage hvad som helst.",
     C.CONFRONT),
    ("er det nu så slemt at ligge vågen et par nætter", "En joint om aftenen er det eneste der får mig til at sove.",
     C.CONFRONT),
    ("det er din egen vurdering hvad der er normalt for dig", "jeg drikker kun i weekenden, det er jo helt normalt",
     C.EMPHASIZE_AUTONOMY),
    ("at du har prøvet så mange gange viser at du ikke giver op", "Jeg er faldet i igen.", C.AFFIRM),
    # Near misses: the client's view said back ("du synes ik hun har ret"), an invitation to ask, a reason
    # given for advice ("for det er ikke sundt"), and the same words as a judgement.
    ("hun er bekymret og du synes ik hun har ret", "min kæreste siger jeg drikker for meget men hun overdriver altså",
     C.COMPLEX_REFLECTION),
    ("selvfølgelig spørg løs", "kan jeg spørge dig om noget", C.OTHER),
    ("spørg bare lægen om det", "Jeg ved ikke om jeg må tage dem sammen.", C.PERSUADE),
    ("Jeg synes du skulle tage en snak med lægen, for det er ikke sundt at tage sovepiller så længe.",
     "Jeg tager sovepiller hver nat.", C.PERSUADE),
    ("det er ikke sundt", "Jeg drikker fem energidrikke om dagen.", C.CONFRONT),
    # Round AC (IPS consultants; health staff): "sig hvad du synes" asks for advice; inverted and negated advice.
    ("jeg synes du skal fjerne det med at du har været syg",
     "Jeg har skrevet en ansøgning. Vil du læse den og sige hvad du synes?", C.PERSUADE_WITH_PERMISSION),
    ("jeg synes du skal fjerne det med at du har været syg", "Jeg har skrevet en ansøgning til Netto.", C.PERSUADE),
    ("Det anbefales højst 10 genstande om ugen, så det skal du prøve at holde dig under.",
     "Jeg drikker kun i weekenden.", C.PERSUADE),
    ("Du har stadig mange gode år foran dig, så du skal ikke give op nu.", "Jeg er jo 68.", C.PERSUADE),
    ("Kom med på holdet på tirsdag.", "Jeg ved ikke om jeg tør træne.", C.PERSUADE),
    ("kom bare med det", "må jeg spørge om noget?", C.OTHER),
    # Round AD (evoking and planning; very short replies): "hvad er dine bedste tips" asks for advice; a closing
    # "punktum" shuts the talk down; "men er bange for at …" and "tror du godt" report the client's view.
    ("fjern alt grej fra lejligheden", "Ok, hvad er dine bedste tips til at stoppe med hash?",
     C.PERSUADE_WITH_PERMISSION),
    ("fjern alt grej fra lejligheden", "Jeg ryger hver aften.", C.PERSUADE),
    ("det er kalorier ind og ud, punktum", "Jeg spiser egentlig sundt. Jeg fatter ikke hvorfor jeg tager på.",
     C.CONFRONT),
    ("du vil gerne, men er bange for at det er forkert", "Hvad synes du, skal jeg sige ja til jobbet i Netto?",
     C.COMPLEX_REFLECTION),
    ("det er forkert", "Jeg tager kun pillerne når jeg har lyst.", C.CONFRONT),
    ("hverdagene tror du godt du kunne skære ned på",
     "Jeg tror godt jeg kunne skære ned til hverdag, men fredag bliver svært.", C.SIMPLE_REFLECTION),
]

BATCH_AF: list[tuple[str, str, Code]] = [
    # The patterns the blind batches AF1 and AF2 (2026-11-25) showed, with near misses.
    ("godt kæmpet", "jeg har faktisk ikke røget i 5 dage nu. det er sgu hårdt", C.AFFIRM),
    ("jeg kan godt give dig nogle ideer, men beslutningen er altid din",
     "kan du ikke bare sige hvad jeg skal gøre, jeg er træt af at tænke", C.EMPHASIZE_AUTONOMY),
    ("super, men så husk lige at weekenden tæller ligeså meget som hverdagen",
     "jeg har tabt 3 kilo! men i weekenden spiste jeg en hel pizza", C.PERSUADE),
    # "hvad gør jeg, når …" asks for advice: a suggestion then is given with permission; unasked, it pushes.
    ("mit forslag er at du siger det til en af dem på forhånd",
     "hvad gør jeg når mine venner tilbyder mig en joint, jeg vil ikke være ham den kedelige",
     C.PERSUADE_WITH_PERMISSION),
    ("mit forslag er at du siger det til en af dem på forhånd", "mine venner tilbyder mig en joint hver fredag",
     C.PERSUADE),
    ("Jeg tænker på, om du ikke skulle prøve at kombinere plaster og tyggegummi denne gang.",
     "Jeg har prøvet at stoppe fem gange.", C.PERSUADE),
    ("Men er det ikke lidt en sovepude at kalde det din tid?", "Jeg spiser mest om aftenen. Det er ligesom min tid.",
     C.CONFRONT),
    ("Det står jo i indlægssedlen. Har du slet ikke læst den?", "Skal jeg tage min Metformin før eller efter maden?",
     C.CONFRONT),
    ("Har du læst indlægssedlen?", "Skal jeg tage min Metformin før eller efter maden?", C.CLOSED_QUESTION),
    # Round AG (IPS consultants; youth workers).
    ("hvis du siger nej til det, kan det godt få konsekvenser for din ydelse",
     "Skal jeg sige ja til 12 timer om ugen i Netto eller vente på noget bedre?", C.CONFRONT),
    ("ja det er også noget af det værste man kan gøre på en arbejdsplads",
     "Jeg mistede mit sidste job fordi jeg mødte fuld.", C.CONFRONT),
    ("godt at høre, for det du gjorde sidst var altså ret dumt",
     "Jeg vil gerne tabe mig, men på en sund måde denne gang.", C.CONFRONT),
    # "du skriver bare …" tells the client what to do; "du siger bare til, hvis …" leaves the say with them.
    ("du skriver bare at du har været hjemmegående", "Jeg har ikke arbejdet i otte år. Hvem gider ansætte mig?",
     C.PERSUADE),
    ("du siger bare til, hvis noget ikke passer dig", "Jeg har ikke arbejdet i otte år. Hvem gider ansætte mig?",
     C.SIMPLE_REFLECTION),
]

BATCH_AH: list[tuple[str, str, Code]] = [
    # The patterns the blind batches AH1 (social-work and nursing students on a phone) and AH2 (job
    # consultants after a one-day course) showed, 2026-11-25, with near misses.
    ("va sker der når han bliver sur", "Jeg vil gerne have hjælp til at sige fra over for min eks.", C.OPEN_QUESTION),
    ("det va godt", "Jeg har været tør i tre uger nu.", C.OTHER),  # "va" for "var" states
    ("Ja, det må jeg lige tjekke.", "Kan jeg beholde min kontanthjælp, hvis jeg tager et småjob?", C.OTHER),
    ("må jeg fortælle lidt om, hvad andre har gjort?", "Hvad gør man, når man ikke kan sove?", C.ASK_PERMISSION),
    ("Skal vi ikke bare aftale en delvis raskmelding på 10 timer om ugen?",
     "Jeg har været på sygedagpenge i fire måneder nu.", C.PERSUADE),
    ("Skal vi se på det sammen?", "Jeg har været på sygedagpenge i fire måneder nu.", C.SEEK_COLLABORATION),
    ("Det er helt sikkert det smarteste at starte på nedsat tid.", "Jeg er bange for at gå ned med stress igen.",
     C.PERSUADE),
    ("Jeg har set mange komme tilbage efter sådan en operation, så jeg ville ikke opgive det endnu.",
     "Jeg kommer aldrig til at kunne arbejde fuld tid igen.", C.PERSUADE),
    ("godt du tager det alvorligt, så er næste skridt bare at få lavet det cv i aften",
     "Jobcentret siger jeg skal søge fire jobs om ugen.", C.PERSUADE),
    ("du siger bare nej tak når de kommer med øllen", "Jeg har været tør i tre uger, men på lørdag er der fest.",
     C.PERSUADE),
    ("men du har vel også selv en andel i at det ender i konflikt", "Min eks råber altid når han henter børnene.",
     C.CONFRONT),
    # A fact that shows an average is no praise; "det viser en vilje" is.
    ("blodsukkeret bliver målt til kontrol, det viser et gennemsnit for de sidste 2-3 måneder",
     "Jeg glemmer tit min insulin, men blodsukkeret er vel okay.", C.GIVING_INFORMATION),
    ("det viser en vilje", "Jeg har gået til alle møderne, selvom det var svært.", C.AFFIRM),
    # A feeling named in a word or three reflects it.
    ("bekymret", "Jeg er bange for at miste min kontanthjælp, hvis jeg tager et job.", C.COMPLEX_REFLECTION),
    ("hej igen, godt at se dig", "Jeg har meldt mig til rygestopkursus, men jeg er bange for ikke at klare det.",
     C.OTHER),
    # Round AI (very short replies): short commands; a client's "skal jeg …?" or "virker de overhovedet?" asks
    # for the learner's view, so advice then is given with permission; "det burde du have …" blames.
    ("øv dig mere næste gang", "Jeg var til samtale i går, men jeg var så nervøs at jeg rystede.", C.PERSUADE),
    ("øv, det var surt", "Jeg var til samtale i går, men jeg fik ikke jobbet.", C.OTHER),
    ("spring desserten over", "Jeg gider ikke være den tykke til min søsters bryllup, men jeg elsker mad.",
     C.PERSUADE),
    ("snak med studievejlederen først", "Skal jeg droppe ud og tage et sabbatår? Alle andre ved hvad de vil.",
     C.PERSUADE_WITH_PERMISSION),
    ("giv dem mindst 8 uger", "Virker de der nikotinplastre overhovedet? Min bror siger det er spild af penge.",
     C.PERSUADE_WITH_PERMISSION),
    ("kør selv, så har du en grund", "Hvordan skærer man ned uden at ligne en kedelig en til fester?",
     C.PERSUADE_WITH_PERMISSION),
    ("det burde du have spurgt om inde hos lægen", "Skal jeg tage mine blodtrykspiller om morgenen?", C.CONFRONT),
    ("du føler, at du skulle have sagt det før", "Jeg fortryder, at jeg ikke sagde noget til min chef.",
     C.SIMPLE_REFLECTION),
    # Round AJ (jobcentre caseworkers and health staff on a tablet): a threat to the client's benefits
    # confronts; "kunne du ikke …" proposes; "det ville jeg ikke gøre" advises against; siding with the doctor
    # or a parent confronts, said back as the client's thought it reflects.
    ("du har pligt til at deltage i opfølgningen, ellers kan kommunen stoppe dine sygedagpenge",
     "Jeg har været sygemeldt i fire måneder, og nu skal jeg til opfølgningssamtale.", C.CONFRONT),
    ("kunne du ikke stille dem ved siden af kaffemaskinen, så ser du dem hver morgen",
     "Jeg glemmer tit blodtrykspillerne om morgenen.", C.PERSUADE),
    ("det ville jeg altsaa ikke goere, de er meget vigtige efter det du har vaeret igennem",
     "Hvad sker der egentlig, hvis jeg stopper med kolesterolpillerne?", C.PERSUADE),
    ("De holder fast i at styre Deres eget liv. Det er der styrke i.",
     "Min datter lægger pillerne i æsken, men jeg tager dem når det passer mig.", C.AFFIRM),
    ("din mor har ret, du drikker for meget", "Min mor siger, jeg drikker for meget.", C.CONFRONT),
    ("så du tænker din mor har ret", "Min mor siger, jeg drikker for meget.", C.SIMPLE_REFLECTION),
    # Round AK (a speed round of one-line replies; summaries on an advanced course): "lyder hårdt" reflects,
    # "lyder godt" does not; "hvad med at …" and "så skal du ikke …" advise; "jeg ville vente" advises with no
    # adverb before the verb; "stærkt!" praises; "splittet" names a feeling; "0-10" is a ruler.
    ("lyder hårdt", "Min kone truer med at gå, hvis jeg ikke stopper med at drikke.", C.SIMPLE_REFLECTION),
    ("lyder godt", "Jeg har meldt mig til et kursus.", C.OTHER),
    ("og hva med helt at stoppe", "Jeg har fået et barn og vil ikke ryge mere inden for.", C.PERSUADE),
    ("hvad med at vi kigger på det sammen", "Jeg har fået et barn og vil ikke ryge mere inden for.",
     C.SEEK_COLLABORATION),
    ("så ska du ik gå ned i tid", "Kan jeg beholde SU, hvis jeg går ned i tid?", C.PERSUADE),
    # ("skal jeg …?" of nine words asks for advice on its own.)
    ("jeg ville vente lidt", "Skal jeg tage jobbet på lageret eller vente på noget bedre?",
     C.PERSUADE_WITH_PERMISSION),
    ("0-10, hvor klar er du", "Ok, hvad er dine bedste tips til at stoppe med hash?", C.CLOSED_QUESTION),
    ("stærkt!", "Jeg har tabt 4 kilo siden sidst!", C.AFFIRM),
    ("splittet", "Skal jeg tage jobbet på lageret eller vente på noget bedre?", C.COMPLEX_REFLECTION),
    ("Din læge ved, hvad han taler om. Hvis han siger, du skal tage dem, så skal du tage dem.",
     "Min læge vil have mig til at tage antidepressiva. Hvad synes du?", C.CONFRONT),
    # Round AL (Danish as a second language; probation, addiction and gambling staff): siding with the
    # professional ("lægen ved hvad han gør"), "hvor mange gange skal det ske før du indser …" and "og hunden åd
    # mine lektier" confront; "du skal have dig selv skrevet på …"
    # advises; "du kan bede om …" tells of an option.
    ("lægen ved hvad han gør, du skal bare tage den", "Jeg tager allerede otte forskellige piller. Nu vil lægen "
     "give mig en mere.", C.CONFRONT),
    ("lægerne ved hvad de gør", "Jeg er bange for bivirkningerne af medicinen.", C.CONFRONT),
    ("hvor mange gange skal det ske før du indser at du ikke kan styre det", "Jeg tabte hele lønnen på odds i "
     "weekenden. Igen.", C.CONFRONT),
    ("ja ja, og hunden åd mine lektier", "Prøven var positiv, men det er fordi jeg var til en fest hvor de røg, jeg "
     "har ikke selv røget.", C.CONFRONT),
    ("du skal have dig selv skrevet på ROFUS med det samme, i dag", "Jeg tabte hele lønnen på odds i weekenden. "
     "Igen.", C.PERSUADE),
    ("du kan bede om at prøven bliver sendt til bekræftelsesanalyse", "Prøven var positiv, men det er fordi jeg var "
     "til en fest hvor de røg.", C.GIVING_INFORMATION),
    # Round AM (family social work with parents; elder care typed in haste): "det er jer … der afgør" leaves the
    # choice; "lægen har mere forstand på det" sides with the doctor and "jeg har sagt det tre gange" scolds;
    # a condolence that names the client's loss is no reflection; "ved hendes læge …" asks.
    ("det er jer som familie der afgør om der er noget i vil ændre på", "Sundhedsplejersken siger han er for tyk, men "
     "han er altså bare bredt bygget ligesom sin far.", C.EMPHASIZE_AUTONOMY),
    ("lægen har altså mere forstand på det end os, så det er nok en god idé at følge hans råd", "Lægen vil sætte "
     "dosis op, men jeg tror altså det er skolen der er problemet, ikke min søn.", C.CONFRONT),
    ("nå så du hører fint nok... jeg har lige sagt det samme tre gange", "De høreapparater piber og klør. Jeg hører "
     "fint nok når folk bare taler ordentligt.", C.CONFRONT),
    ("kondolerer med din kone", "Jeg kan godt se at vinen er blevet for meget efter min kone døde.", C.OTHER),
    ("ved hendes læge noget om det", "Mor kører stadig bil, og hun var ved at påkøre en cyklist i sidste uge.",
     C.CLOSED_QUESTION),
    # Round AN (a-kasse and jobcentre staff; dental, pharmacy and physiotherapy staff): thanks and congratulations
    # are small talk (other 57:5 and 25:5 in dev); "det er dine tænder" leaves the choice; "kan du ikke lige vise
    # mig hvordan …?" asks for the advice that follows.
    ("tak fordi du fortæller det", "Jeg har drukket igen i weekenden.", C.OTHER),
    ("tak for din ærlighed", "Jeg har drukket igen i weekenden.", C.OTHER),
    ("det er dine tænder, jeg har ikke tænkt mig at holde foredrag", "Ja ja, jeg ved det godt, jeg skal børste to "
     "gange om dagen. I siger det hver gang.", C.EMPHASIZE_AUTONOMY),
    ("jo selvfølgelig. pust helt ud først, sæt den i munden, tryk og træk vejret langsomt og dybt ind", "Kan du ikke "
     "lige vise mig hvordan jeg skal bruge den her spray? Jeg tror jeg gør det forkert.", C.PERSUADE_WITH_PERMISSION),
    # Round AO (a fast exam chat of 1-8 words; leaders with employees; teachers with students): "hvordan får jeg
    # styr på …?", "hvordan stopper jeg …?", "hvor mange … skal man …?" and "kan du ikke sige hvordan …?" ask for
    # advice; "læg den dog væk", "dine venner tager fejl", "du er jo allerede afhængig" and "ellers må vi tage en
    # anden snak" confront; "kunne I ikke …", "hvad med 10 timer …?" and "tænk dig nu godt om" advise.
    ("lav en ugeplan", "Hvordan får jeg styr på min tid? Jeg udskyder alt.", C.PERSUADE_WITH_PERMISSION),
    ("slå skærmtid til", "Hvordan stopper jeg med at scrolle på telefonen hele natten?", C.PERSUADE_WITH_PERMISSION),
    ("så læg den dog væk", "Hvordan stopper jeg med at scrolle på telefonen hele natten?", C.CONFRONT),
    ("start med 5000 og byg op", "Hvor mange skridt skal man gå om dagen for at det batter noget?",
     C.PERSUADE_WITH_PERMISSION),
    ("jeg ville starte med at lave en oversigt over alle emnerne", "Kan du ikke bare sige hvordan jeg skal læse op? "
     "Jeg aner ikke hvor jeg skal starte.", C.PERSUADE_WITH_PERMISSION),
    ("dine venner tager fejl", "Kan man blive afhængig af hash? Mine venner siger nej.", C.CONFRONT),
    ("du er jo allerede afhængig", "Kan man blive afhængig af hash? Mine venner siger nej.", C.CONFRONT),
    ("du får altså talt med lægen om det, ellers må vi tage en anden snak om hvad du kan bruges til", "Jeg tager "
     "smertestillende for min ryg, og nogle dage bliver jeg helt tåget.", C.CONFRONT),
    ("kunne I ikke stoppe sammen?", "Min kæreste ryger også, så det er umuligt at stoppe.", C.PERSUADE),
    ("hvad med 10 timer om ugen?", "Jeg kan ikke arbejde fuld tid med min angst, så hvorfor overhovedet prøve.",
     C.PERSUADE),
    ("tænk dig nu godt om, græsset er ikke altid grønnere", "Jeg har fået et tilbud et andet sted.", C.PERSUADE),
    ("det er din medicin og din krop, og du er gammel nok til at have noget at skulle have sagt", "Min mor lægger "
     "pillerne frem hver morgen og tjekker om jeg har taget dem.", C.EMPHASIZE_AUTONOMY),
    # Round AP (vaccine hesitancy; integration; an ordinary evening): "hvordan skal jeg snakke med ham om det?" asks
    # for advice; "det er jeres egen beslutning" leaves the choice.
    ("et råd kunne være at tage snakken når I laver noget sammen, fx i bilen", "Hvad gør hash ved en ung hjerne? Og "
     "hvordan skal jeg snakke med ham om det?", C.PERSUADE_WITH_PERMISSION),
    ("det er jeres egen beslutning", "Mine børn taler kun dansk nu. De svarer mig ikke på arabisk.",
     C.EMPHASIZE_AUTONOMY),
    # Round AQ (psychiatry and IPS; short phone replies; first and last turns): a greeting before the act does not
    # code the reply ("hej, ryger du hver dag" asks); "hvor meget du må tjene" is a rule, not advice; "har andre
    # …" asks; "evt …" at the start suggests; "du styrer tempoet" leaves the choice; "det er dig der kender dig
    # selv" shares the expertise.
    ("hej, ryger du hver dag", "Min kæreste synes jeg ryger for meget hash, det er derfor jeg er her.",
     C.CLOSED_QUESTION),
    ("hej mette, hvad bringer dig her i dag", "Hej. Min sagsbehandler sagde jeg skulle komme.", C.OPEN_QUESTION),
    ("tak for i dag, hvad tager du med dig herfra", "Nå, jeg tror vi er færdige, ikke?", C.OPEN_QUESTION),
    ("hej, godt at se dig igen", "Nå, så er jeg her igen.", C.OTHER),
    ("hej mette", "Hej.", C.OTHER),
    ("ved du hvor meget du må tjene før det påvirker pensionen", "Jeg vil gerne have et job, men jeg tør ikke miste "
     "min førtidspension.", C.CLOSED_QUESTION),
    ("du må ikke tjene for meget", "Jeg vil gerne have et job, men jeg tør ikke miste min førtidspension.", C.PERSUADE),
    ("har andre prøvet at få dig til at stoppe", "Hvis du vil have mig til at stoppe med at ryge, så kan du godt "
     "glemme det.", C.CLOSED_QUESTION),
    ("evt et par tørre dage, op til dig", "Hvor mange genstande må man egentlig drikke om ugen før det er farligt?",
     C.PERSUADE_WITH_PERMISSION),
    ("evt max 4 timer om dagen", "jeg spiller måske 8 timer om dagen men det er jo min hobby, ik et problem",
     C.PERSUADE),
    ("skal vi lave et regnestykke sammen, evt med din sagsbehandler", "Hvis jeg begynder at arbejde, mister jeg så "
     "mine sygedagpenge?", C.SEEK_COLLABORATION),
    ("du styrer tempoet", "Jeg bestod endelig statistik-eksamen! Men nu har jeg ingen motivation til resten.",
     C.EMPHASIZE_AUTONOMY),
    ("du styrer ikke dit forbrug længere", "Jeg ryger kun om aftenen.", C.SIMPLE_REFLECTION),
    ("det er dig der kender dig selv", "Jeg ved ikke om jeg skal tage sabbatår. Hvad ville du gøre?",
     C.SEEK_COLLABORATION),
    # Round AR (elder care with "De"; first and last turns): "tak i lige måde" is small talk, "lover du mig at …"
    # pushes.
    ("tak i lige måde", "Tak for snakken.", C.OTHER),
    ("jo, og så lover du mig at du ikke drikker før vi ses igen", "Nå, jeg tror vi er færdige, ikke?", C.PERSUADE),
    # Round AS (debt, gambling, diabetes; young students with English words): "så er det også på tide" reproaches;
    # what others think of the client is said back; "der er ingen der siger du skal" leaves the choice.
    ("godt, så er det også på tide du tager ansvar for resten",
     "Jeg har betalt min husleje til tiden de sidste tre måneder.", C.CONFRONT),
    ("der findes en del forskellige ting, skal jeg gennemgå dem", "Hvad findes der egentlig af hjælp?",
     C.ASK_PERMISSION),
    ("du er kommet ned på ti om dagen, det har krævet vilje", "Jeg har skåret ned til ti om dagen.", C.AFFIRM),
    ("alle synes du er doven", "Alle synes jeg er doven.", C.SIMPLE_REFLECTION),
    ("om du melder dig ind er helt dit valg, der er ingen der siger du skal",
     "Jeg har tænkt på at melde mig ind i en løbeklub.", C.EMPHASIZE_AUTONOMY),
    # Round AT (autonomy and confront at their fine lines): a guilt trip after autonomy, a reproach about what
    # the client promised, rhetorical "hvordan tror du det går, hvis …" and "vil du virkelig risikere" confront;
    # recalling what the client said is no reproach.
    ("det er selvfølgelig dit valg. jeg håber bare du tænker på din baby", "Jeg ryger stadig lidt.", C.CONFRONT),
    ("du lovede ellers sidst at du ville ringe hvis du ikke kunne komme", "Jeg glemte det bare.", C.CONFRONT),
    ("du sagde sidst at du ville gå ture, hvordan er det gået", "Jeg har haft travlt.", C.OPEN_QUESTION),
    ("og hvordan tror du det går med knæet, hvis du bare venter?", "Jeg venter lige lidt med operationen.",
     C.CONFRONT),
    ("vil du virkelig risikere at han ikke får den hjælp han har brug for", "Jeg vil ikke have ham udredt.",
     C.CONFRONT),
    # Round AU (replies of 1-7 words; IPS): "fortæl hende det" advises ("fortæl mig mere" asks); "sammen finder vi
    # …" shares the plan; "du giver altid op" generalises; "hvordan kan man glemme det" reproaches.
    ("fortæl hende det", "Min kæreste ved ikke at jeg har spillet igen.", C.PERSUADE),
    ("fortæl mig mere", "Min kæreste ved ikke at jeg har spillet igen.", C.OPEN_QUESTION),
    ("sammen finder vi ud af det", "Jeg ved ikke hvor jeg skal starte.", C.SEEK_COLLABORATION),
    ("du giver altid op", "Jeg stoppede igen efter to dage.", C.CONFRONT),
    ("hvordan kan man glemme det", "Jeg glemte pillerne igen i weekenden.", C.CONFRONT),
    # Round AV (Jylland and Fyn on a phone): "æ" is jeg.
    ("må æ fortælle lidt om hvordan det er med lærlingeløn", "Kan man overhovedet leve af en lærlingeløn?",
     C.ASK_PERMISSION),
    ("det er dit valg, æ ka bare fortælle hvad æ ved", "Jeg ved ikke om jeg vil stoppe.", C.EMPHASIZE_AUTONOMY),
    # Round AV (clinicians new to MI): what the client wants now is said back ("og nu vil du gerne høre …" has the
    # verb second, no question); what the cardiologist said is reported; plain reassurance is small talk.
    ("vægten står stille, og nu vil du gerne høre mit bud", "Hvad synes du jeg skal gøre?", C.SIMPLE_REFLECTION),
    ("vil du gerne høre mit bud", "Vægten har stået stille i to måneder.", C.ASK_PERMISSION),
    ("kardiologen har sagt at du skal stoppe", "Kardiologen siger jeg skal stoppe med at ryge.",
     C.SIMPLE_REFLECTION),
    ("det skal nok gå, vi ses på torsdag", "Jeg er lidt nervøs for operationen.", C.OTHER),
    # Round AW ("man" forms; replies of 1-6 words): "tage dig lidt mere sammen", "vælge og vrage" and a lack of
    # "selvdisciplin" confront; self-discipline shown is praise.
    ("så må du bare tage dig lidt mere sammen denne gang", "Jeg faldt i igen i weekenden.", C.CONFRONT),
    ("tag dig nu lidt sammen", "Hvad gør jeg når trangen kommer efter maden?", C.CONFRONT),
    ("man kan ikke altid vælge og vrage", "Jeg vil ikke have et rengøringsjob.", C.CONFRONT),
    ("du mangler bare selvdisciplin", "Jeg spiser slik hver aften.", C.CONFRONT),
    ("du har vist stor selvdisciplin", "Jeg har ikke spist slik i en måned.", C.AFFIRM),
]


@pytest.mark.parametrize("text", ["dagene flyder sammen og det er svært at se hvordan du skal komme tilbage på sporet",
                                  "du ved ikke hvad du skal gøre", "det er ikke mig der bestemmer om du skal stoppe",
                                  "hvordan du skal have styr på det hele, ved du ikke endnu"])
def test_should_after_a_question_word_is_not_advice(coder: Coder, text: str) -> None:
    """"hvordan du skal …", "hvad du skal …", "om du skal …" are indirect questions inside a statement: the
    client's own question, reflected or left open, not advice."""
    assert coder.code(text, "Jeg ved ikke hvor jeg skal starte.", "da").primary not in (
        C.PERSUADE, C.PERSUADE_WITH_PERMISSION)


@pytest.mark.parametrize(("text", "context", "primary"),
                         [*PRIMARY_CASES, *BATCH_C, *BATCH_D, *BATCH_E, *BATCH_F, *BATCH_G, *BATCH_H,
                          *BATCH_I, *BATCH_J, *BATCH_K,
                          *BATCH_L, *BATCH_M, *BATCH_P, *BATCH_S, *BATCH_U, *BATCH_W, *BATCH_X, *BATCH_Y,
                          *BATCH_AA, *BATCH_AF, *BATCH_AH])
def test_primary_code(coder: Coder, text: str, context: str, primary: Code) -> None:
    """Each case: (reply, the client's last line, the rules' primary code); the BATCH_ lists hold the
    patterns each fresh batch of Danish replies showed, with near misses."""
    assert coder.code(text, context, "da").primary is primary


@pytest.mark.parametrize("text", ["ja, der må jeg give dig ret", "der må jeg nok indrømme at du har en pointe"])
def test_agreeing_in_statement_order_asks_no_permission(coder: Coder, text: str) -> None:
    """"der må jeg give dig ret" (the verb first after "der") agrees; "må jeg …?" asks permission."""
    assert coder.code(text, "Jeg er så doven.", "da").primary is not C.ASK_PERMISSION

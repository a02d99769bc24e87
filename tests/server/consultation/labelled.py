"""A labelled set of consultation comments: form-letter campaigns with the variations signatories make, and
genuinely individual comments on the same subject (the hard negatives: same words, different letters)."""

from __future__ import annotations

import random

CAMPAIGNS = {
    "longer-window": (
        "I am writing to ask Parliament to extend the consultation period in section 3 from thirty days to at "
        "least ninety days. Thirty days is not enough time for ordinary citizens, community groups and rural "
        "residents to read a bill, understand it and respond. A longer window would make public participation "
        "real rather than a formality."
    ),
    "online-register": (
        "Please amend section 4 so that the register of consultations is published online and kept up to date. "
        "Every comment received should be searchable by the public free of charge, so that citizens can see "
        "what others have said and how Parliament responded to it."
    ),
    "scrap-bill": (
        "This bill gives the clerk far too much power over which voices are heard. I urge every member to vote "
        "against it at second reading and to send it back to the drafters for a full rewrite with proper input "
        "from civil society."
    ),
    "swahili-access": (
        "Bills under consultation must be published in Kiswahili as well as English, and in formats that blind "
        "and partially sighted citizens can use. Without this, a large share of the public is excluded from the "
        "process before it begins."
    ),
}

GREETINGS = ["", "Dear Members,", "Honourable Members,", "To the Clerk,", "Hello,"]
SIGN_OFFS = ["", "Thank you.", "Regards, a concerned citizen.", "Signed, Wanjiru from Nakuru.",
             "Yours faithfully, J. Otieno", "God bless Kenya."]
PERSONAL = [
    "I live in Turkana and the nearest library is two hours away.",
    "As a teacher I rarely have time during the school term.",
    "Our women's group only meets once a month.",
    "My grandmother cannot read English.",
    "I only heard about this bill from a friend yesterday.",
    "",
    "",
]

UNIQUE = [
    "Thirty days is fine for short bills but long bills need more time; tie the period to the bill's length.",
    "Who pays for the register? Section 4 does not say which budget it comes from.",
    "The definition of participant should include organisations, not only persons.",
    "Section 3 says within thirty days of first reading, but what if Parliament is in recess?",
    "I support the bill as drafted. It is a clear improvement on current practice.",
    "Consultations should also be announced on community radio, not only in the Gazette.",
    "Can comments be submitted by SMS? Many people do not have smartphones or data bundles.",
    "The clerk should publish a summary of the comments received before the committee stage.",
    "Please define what counts as a comment: does a signature on a petition count?",
    "The register must not publish the home addresses of people who comment.",
    "A consultation of ninety days would delay urgent bills such as budget measures; allow exceptions.",
    "County assemblies should hold their own hearings and forward the results to the clerk.",
    "What happens to comments that arrive one day after the consultation closes?",
    "The bill should require the committee to respond in writing to the ten most endorsed comments.",
    "I worry that online-only consultation excludes older people in my village.",
    "Section 1 says the Act is cited as the Public Consultation Act; add the year to avoid confusion.",
    "The thirty day period should start from publication in the Gazette, not from first reading.",
    "There is no penalty if the clerk fails to open a consultation; add one or the duty is empty.",
    "Please allow anonymous comments for whistleblowers, with moderation to prevent abuse.",
    "The register should record which amendments were made in response to public comments.",
    "I read the whole bill. It is short and understandable, which I appreciate.",
    "Disability organisations should be consulted directly, not only through the general process.",
    "Is there a limit on how long a comment can be? Some of us want to send detailed submissions.",
    "Make the deadline 11:59 pm rather than the close of business, since many of us work during the day.",
    "Translation into Kiswahili matters, but so do Somali, Dholuo and Kikuyu for local hearings.",
    "The bill says nothing about children; schools could run consultations for young people.",
    "Paper submissions at chiefs' offices should be accepted and typed into the register.",
    "The register of consultations should be archived permanently, not deleted after the Act passes.",
    "I disagree with those who want ninety days: bills would take forever and lobbyists would benefit.",
    "Section 3(2) should say calendar days or working days; right now it is ambiguous.",
]


# Individual comments that quote a campaign's words in order to argue with them: same words, different letter.
REBUTTALS = [
    "Some say thirty days is not enough time for ordinary citizens, community groups and rural residents. "
    "I disagree: the real problem is that nobody announces consultations, and more days will not fix that.",
    "The campaign asking that every comment received should be searchable by the public free of charge "
    "forgets the cost of moderation; who will check millions of comments for personal data?",
    "I do not agree that this bill gives the clerk far too much power. The clerk only opens the window; the "
    "committee decides what to do with the comments.",
]

SYNONYMS = {"ask": "request", "enough": "sufficient", "citizens": "people", "real": "genuine", "online": "on the web",
            "Please": "Kindly", "urge": "ask", "full": "complete", "must": "should", "large": "big"}


def _variant(text: str, rng: random.Random) -> str:
    """What signatories do to a form letter: greet, sign, add a line, change case or punctuation, drop a word,
    swap words for synonyms, or keep only its first half."""
    words = text.split()
    if rng.random() < 0.2:
        words = words[: len(words) // 2 + 3]
    if rng.random() < 0.3:
        words = [SYNONYMS.get(w, w) for w in words]
    if rng.random() < 0.3:
        drop = rng.randrange(len(words))
        words = words[:drop] + words[drop + 1 :]
    body = " ".join(words)
    if rng.random() < 0.3:
        body = body.lower()
    if rng.random() < 0.3:
        body = body.replace(",", "").replace(".", "!")
    parts = [rng.choice(GREETINGS), rng.choice(PERSONAL), body, rng.choice(PERSONAL), rng.choice(SIGN_OFFS)]
    return " ".join(p for p in parts if p)


def labelled_comments(per_campaign: int = 40, seed: int = 7) -> list[tuple[str, str]]:
    """``(text, label)`` pairs, shuffled: each campaign's signatories share its label, each unique comment its own."""
    rng = random.Random(seed)
    items = [(_variant(text, rng), label) for label, text in CAMPAIGNS.items() for _ in range(per_campaign)]
    items += [(text, f"unique-{n}") for n, text in enumerate(UNIQUE + REBUTTALS)]
    rng.shuffle(items)
    return items

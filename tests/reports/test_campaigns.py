"""Campaign detection on a synthetic consultation in Persian and English, and bursts of new accounts."""

import random
from datetime import datetime, timedelta

import pytest

from consult.textnorm import ZWNJ
from reports.campaigns import (
    MIN_CAMPAIGN_SIZE,
    NEW_ACCOUNT_AGE,
    Shingles,
    bursts,
    find_campaigns,
)

# --- A synthetic consultation ----------------------------------------------------------------------
# Organic comments are assembled from slot-filled sentence pools, so two of them share a topic, its
# words and now and then a whole stock sentence, but not their text. Campaign members are one of a
# few form letters with light edits: sentences reordered, synonyms, typos, ZWNJ and letter-form
# changes in Persian, a greeting or a signature added.

EN_ROLES = ["nurse", "teacher", "bus driver", "small business owner", "student", "retired engineer", "farmer",
            "parent of two", "software developer", "shop assistant", "pharmacist", "taxi driver", "landlord",
            "tenant", "delivery rider", "social worker", "accountant", "chef", "musician", "carpenter"]
EN_OPENERS = ["I think", "In my view,", "Honestly,", "As a {role}, I believe", "Speaking as a {role},",
              "From my experience,", "It seems to me that", "Frankly,", "As far as I can tell,", ""]
EN_SUBJECTS = ["the proposed rule", "this draft", "the new fee", "the licensing requirement", "section 4",
               "the transition period", "the reporting obligation", "the enforcement plan", "the proposed budget",
               "the exemption for small firms", "the timeline", "the annex on costs", "the consultation process"]
EN_VERBS = ["will hurt", "could help", "does not address", "ignores", "may improve", "overlooks",
            "unfairly burdens", "finally recognises", "underestimates", "could seriously damage",
            "would simplify life for", "barely affects", "is a disaster for", "is long overdue for"]
EN_OBJECTS = ["small businesses", "rural families", "students", "pensioners", "commuters", "local shops",
              "people with disabilities", "young workers", "single parents", "new immigrants",
              "farmers in the north", "night shift workers", "landlords", "renters in the city"]
EN_CITIES = ["Tabriz", "Shiraz", "Lyon", "Leeds", "Porto", "Malmo", "Izmir", "Gdansk", "Kyoto", "Austin", "Quito"]
EN_REASONS = ["the costs are passed on to {who}", "{who} were never asked", "the data in the annex is from {year}",
              "similar rules failed in {city}", "enforcement is left to {n} overworked inspectors",
              "the paperwork takes {n} hours every week", "prices already rose {n} percent this year",
              "there is no support for {who} during the transition", "it duplicates the {year} regulation",
              "a deadline of {n} months is far too short", "the benefits only arrive after {year}",
              "it finally closes a loophole used in {city}", "the fines are higher than {n} days of profit",
              "the forms are only available online, which shuts out {who}"]
EN_CONNECTORS = ["That is because", "The reason is that", "Mainly because", "After all,", "Keep in mind that",
                 "We should remember that", "The problem is that", "Everyone knows that"]
EN_SUGGESTIONS = ["extend the deadline by {n} months", "publish the cost estimates for {who}",
                  "hold public hearings in {city}", "exempt businesses with fewer than {n} staff",
                  "phase the fee in over {n} years", "fund a help desk for {who}", "drop the reporting requirement",
                  "consult {who} first", "review the rule in {year}", "translate the forms for {who}",
                  "cap the fee at {n} dollars", "give the {n} inspectors proper training", "copy what {city} did"]
EN_SUGGESTION_LEADS = ["Please", "I would ask you to", "The ministry should", "You could", "It would be wise to",
                       "My suggestion: please", "Why not"]
EN_RELATIVES = ["My sister", "My neighbour", "My father", "A friend of mine", "My colleague", "My landlord",
                "My son", "My aunt"]
EN_EXPERIENCES = ["closed a shop in {city} after the fee went up {n} percent", "waited {n} days for a permit",
                  "pays {n} dollars a month in fees already", "hired an accountant for {n} dollars just for the forms",
                  "drives {n} kilometres to the nearest office", "lost {n} customers since {year}",
                  "was fined {n} dollars for a missing stamp", "moved a workshop from {city} in {year}",
                  "has worked with {who} in {city} for {n} years", "spent {n} hours on the application"]
EN_CLOSERS = ["Thank you.", "Thanks for listening.", "I hope you reconsider.", "Looking forward to the final version.",
              "Regards.", "", "", ""]

FA_ROLES = ["پرستار", "معلم", "راننده‌ی تاکسی", "دانشجو", "کشاورز", "بازنشسته", "مغازه‌دار", "مهندس نرم‌افزار",
            "کارگر ساختمانی", "مادر دو فرزند", "پزشک", "کارمند بانک", "آشپز", "نانوا", "پیک موتوری", "وکیل"]
FA_OPENERS = ["به نظر من", "من فکر می‌کنم", "راستش را بخواهید", "به عنوان یک {role} می‌گویم", "از تجربه‌ی خودم می‌دانم",
              "با احترام، به نظرم", "صادقانه بگویم", "تا جایی که من می‌دانم", ""]
FA_SUBJECTS = ["این طرح", "پیش‌نویس این قانون", "افزایش عوارض", "بند چهارم", "مهلت اجرا", "الزام گزارش‌دهی",
               "معافیت کسب‌وکارهای کوچک", "بودجه‌ی پیشنهادی", "سازوکار نظارت", "روند این نظرخواهی", "جریمه‌های جدید"]
FA_OBJECTS = ["کسب‌وکارهای کوچک", "خانواده‌های روستایی", "دانشجویان", "بازنشستگان", "مسافران", "مغازه‌های محلی",
              "افراد دارای معلولیت", "کارگران جوان", "سرپرستان خانوار", "کشاورزان شمال کشور", "مستأجران"]
FA_EFFECTS = ["مضر است", "مفید است", "هزینه‌ی زیادی دارد", "هیچ فایده‌ای ندارد", "یک فرصت خوب است",
              "دردسرساز خواهد شد", "کافی نیست", "عادلانه نیست", "دیر شده است", "یک قدم رو به جلو است"]
FA_CITIES = ["تبریز", "شیراز", "اصفهان", "رشت", "کرمان", "یزد", "اهواز", "سنندج", "زاهدان", "قزوین", "بندرعباس"]
FA_REASONS = ["هزینه‌ها به {who} منتقل می‌شود", "هیچ‌کس از {who} نظر نخواست", "آمار پیوست مال سال {year} است",
              "قانون مشابه در {city} شکست خورد", "فقط {n} بازرس برای کل استان داریم",
              "کاغذبازی هر هفته {n} ساعت وقت می‌گیرد", "قیمت‌ها امسال {n} درصد بالا رفته است",
              "در دوره‌ی گذار هیچ حمایتی از {who} نیست", "مهلت {n} ماهه خیلی کوتاه است",
              "یک خلأ قانونی را در {city} می‌بندد", "جریمه‌ها از سود {n} روز بیشتر است",
              "فرم‌ها فقط برخط هستند و {who} جا می‌مانند", "همین کار در سال {year} هم امتحان شد"]
FA_CONNECTORS = ["چون", "زیرا", "دلیلش این است که", "فراموش نکنیم که", "مشکل این است که", "همه می‌دانند که",
                 "واقعیت این است که"]
FA_SUGGESTIONS = ["مهلت را {n} ماه تمدید کنید", "برآورد هزینه‌ها برای {who} را منتشر کنید",
                  "کسب‌وکارهای زیر {n} نفر را معاف کنید", "در {city} جلسه‌ی عمومی برگزار کنید",
                  "عوارض را در {n} سال اعمال کنید", "یک مرکز پاسخگویی برای {who} راه بیندازید",
                  "الزام گزارش‌دهی را حذف کنید", "قانون را در سال {year} بازبینی کنید", "اول با {who} مشورت کنید",
                  "سقف عوارض را {n} هزار تومان بگذارید", "از تجربه‌ی {city} استفاده کنید"]
FA_SUGGESTION_LEADS = ["لطفاً", "پیشنهاد می‌کنم", "وزارتخانه باید", "بهتر است", "خواهش می‌کنم", "چرا"]
FA_RELATIVES = ["خواهرم", "همسایه‌ی ما", "پدرم", "یکی از دوستانم", "همکارم", "پسرم", "عمه‌ام"]
FA_EXPERIENCES = ["بعد از {n} درصد افزایش عوارض مغازه‌اش در {city} را بست", "{n} روز برای یک مجوز منتظر ماند",
                  "همین حالا ماهی {n} هزار تومان عوارض می‌دهد", "برای پر کردن فرم‌ها {n} هزار تومان به حسابدار داد",
                  "{n} کیلومتر تا نزدیک‌ترین دفتر رانندگی می‌کند", "از سال {year} تا حالا {n} مشتری از دست داده",
                  "به خاطر یک مهر جا افتاده {n} هزار تومان جریمه شد", "سال {year} کارگاهش را از {city} منتقل کرد",
                  "{n} سال است که در {city} با {who} کار می‌کند", "{n} ساعت برای درخواست وقت گذاشت"]
FA_CLOSERS = ["با تشکر.", "ممنون از توجه شما.", "امیدوارم تجدید نظر کنید.", "منتظر نسخه‌ی نهایی هستم.", "", "", ""]


EN_PLACES = ["union branch", "neighbourhood group", "cooperative", "parents' association", "bakery", "clinic",
             "small firm", "school", "taxi rank", "market stall", "student society", "tenants' committee"]
EN_CONSEQUENCES = ["close within a year", "raise prices again", "move to another city", "stop hiring",
                   "finally get a fair deal", "spend every weekend on forms", "cut opening hours", "go informal"]
FA_PLACES = ["اتحادیه", "انجمن محله", "تعاونی", "انجمن اولیا", "نانوایی", "درمانگاه", "شرکت کوچک", "مدرسه",
             "ایستگاه تاکسی", "غرفه‌ی بازار", "انجمن دانشجویی", "شورای مستأجران"]
FA_CONSEQUENCES = ["تا یک سال دیگر تعطیل می‌شوند", "دوباره قیمت‌ها را بالا می‌برند", "به شهر دیگری می‌روند",
                   "دیگر کسی را استخدام نمی‌کنند", "بالاخره به حق خود می‌رسند", "همه‌ی تعطیلات را پای فرم‌ها می‌گذرانند",
                   "ساعت کارشان را کم می‌کنند", "کارشان را غیررسمی می‌کنند"]


class Slots(dict):
    """Fills a sentence frame's {slots} on demand, recursively for the ones that are frames themselves."""

    def __init__(self, rng: random.Random, language: str):
        super().__init__()
        self.rng, self.en = rng, language == "en"

    def pick(self, english, persian):
        return self.rng.choice(english if self.en else persian)

    def __missing__(self, slot):
        rng = self.rng
        simple = {
            "who": (EN_OBJECTS, FA_OBJECTS), "city": (EN_CITIES, FA_CITIES), "role": (EN_ROLES, FA_ROLES),
            "place": (EN_PLACES, FA_PLACES), "subject": (EN_SUBJECTS, FA_SUBJECTS), "verb": (EN_VERBS, EN_VERBS),
            "effect": (FA_EFFECTS, FA_EFFECTS), "relative": (EN_RELATIVES, FA_RELATIVES),
            "consequence": (EN_CONSEQUENCES, FA_CONSEQUENCES), "connector": (EN_CONNECTORS, FA_CONNECTORS),
            "lead": (EN_SUGGESTION_LEADS, FA_SUGGESTION_LEADS),
        }
        nested = {"reason": (EN_REASONS, FA_REASONS), "experience": (EN_EXPERIENCES, FA_EXPERIENCES),
                  "suggestion": (EN_SUGGESTIONS, FA_SUGGESTIONS), "opener": (EN_OPENERS, FA_OPENERS)}
        if slot == "n":
            return rng.randint(2, 900)
        if slot == "year":
            return rng.randint(1990, 2030)
        if slot in simple:
            return self.pick(*simple[slot])
        return self.pick(*nested[slot]).format_map(Slots(rng, "en" if self.en else "fa"))


def fill(template: str, rng: random.Random, language: str) -> str:
    return template.format_map(Slots(rng, language))


EN_FRAMES = [
    "{opener} {subject} {verb} {who}.", "What worries me most is how {subject} treats {who}.",
    "Nobody seems to have thought about {who} when writing {subject}.", "{connector} {reason}.",
    "{subject} looks fine on paper, but {who} will pay for it.", "{relative} {experience}.",
    "I have read {subject} {n} times and still do not see how it helps {who}.", "{lead} {suggestion}.",
    "Our {place} in {city} has {n} members and most of them think {subject} {verb} {who}.",
    "If {subject} passes, {who} in {city} will {consequence}.", "I welcome {subject}; {who} have waited since {year}.",
    "As a {role} I see every day that {reason}.", "Compare this with {city}, where {reason}.",
    "In {year} we were promised something better for {who}.", "Before anything else, {lead} {suggestion}.",
    "The people at my {place} keep asking why {subject} {verb} {who}.", "I am a {role} from {city}.",
]
FA_FRAMES = [
    "{opener} {subject} برای {who} {effect}.", "نگرانی اصلی من رفتار {subject} با {who} است.",
    "انگار هنگام نوشتن {subject} کسی به فکر {who} نبوده است.", "{connector} {reason}.",
    "{subject} روی کاغذ خوب است اما هزینه‌اش را {who} می‌پردازند.", "{relative} {experience}.",
    "من {n} بار {subject} را خواندم و هنوز نمی‌فهمم چه کمکی به {who} می‌کند.", "{lead} {suggestion}.",
    "{place} ما در {city} {n} عضو دارد و بیشترشان می‌گویند {subject} برای {who} {effect}.",
    "اگر {subject} تصویب شود {who} در {city} {consequence}.",
    "از {subject} استقبال می‌کنم؛ {who} از سال {year} منتظرند.",
    "من به عنوان {role} هر روز می‌بینم که {reason}.", "مقایسه کنید با {city} که در آن {reason}.",
    "سال {year} به {who} قول بهتری داده بودند.", "پیش از هر چیز، {lead} {suggestion}.",
    "همکارانم در {place} مدام می‌پرسند چرا {subject} برای {who} {effect}.", "من یک {role} اهل {city} هستم.",
]


# Asides people put in front of a sentence: more variety between otherwise similar comments.
EN_ASIDES = ["Frankly", "To be fair", "In the long run", "For most of us", "Right now", "Since {year}",
             "Here in {city}", "At my {place}", "For a {role} like me", "Between you and me", "Sadly",
             "Without exaggeration", "Every single week", "Looking at the numbers", "After {n} years in this job",
             "Whatever the ministry says", "On a practical level", "Believe it or not", "From what I hear in {city}",
             "Compared with last year", "As my {relative} keeps saying", "Unless something changes"]
FA_ASIDES = ["راستش", "منصفانه بگویم", "در درازمدت", "برای بیشتر ما", "همین حالا", "از سال {year}",
             "اینجا در {city}", "در {place} ما", "برای یک {role} مثل من", "بین خودمان بماند", "متأسفانه",
             "بدون اغراق", "هر هفته", "با نگاهی به آمار", "بعد از {n} سال کار", "هر چه وزارتخانه بگوید",
             "در عمل", "باور کنید یا نه", "از آنچه در {city} می‌شنوم", "در مقایسه با پارسال", "تا وقتی چیزی عوض نشود"]


def with_aside(sentence: str, rng: random.Random, language: str) -> str:
    if rng.random() < 0.5:
        return sentence
    aside = fill(rng.choice(EN_ASIDES if language == "en" else FA_ASIDES), rng, language)
    return f"{aside}, {sentence[0].lower() + sentence[1:] if language == 'en' else sentence}"


def organic_english(rng: random.Random) -> str:
    sentences = [with_aside(fill(rng.choice(EN_FRAMES), rng, "en"), rng, "en") for _ in range(rng.randint(2, 6))]
    sentences = [sentence[0].upper() + sentence[1:] for sentence in sentences]
    return " ".join([*sentences, rng.choice(EN_CLOSERS)]).strip()


def organic_persian(rng: random.Random) -> str:
    sentences = [with_aside(fill(rng.choice(FA_FRAMES), rng, "fa"), rng, "fa") for _ in range(rng.randint(2, 6))]
    return " ".join([*sentences, rng.choice(FA_CLOSERS)]).strip()


# Form letters: sentences, and for some words the synonyms an editor might swap in.
TEMPLATES = [
    ("en", [
        "I am writing to strongly oppose the proposed licensing requirement for home bakers.",
        "This rule would force thousands of small family kitchens to close within a year.",
        "The inspection fee alone is higher than what most of us earn in a month.",
        "Home baking has never caused a single recorded outbreak in our province.",
        "I urge the ministry to withdraw the requirement and talk to the people it affects.",
    ], {"strongly": ["firmly", "completely"], "force": ["compel", "push"], "close": ["shut down", "stop"],
        "urge": ["ask", "call on"], "withdraw": ["drop", "scrap"], "thousands": ["hundreds"]}),
    ("en", [
        "As a resident of the northern districts I support the new cycling lanes on Ferdowsi Avenue.",
        "Safe lanes will let children ride to school without fear of traffic.",
        "Cities that built protected lanes saw fewer injuries and busier local shops.",
        "Please approve the plan without delay and fund it fully in next year's budget.",
    ], {"support": ["back", "welcome"], "Safe": ["Protected", "Separate"], "fewer": ["less"],
        "approve": ["adopt", "pass"], "delay": ["further delay"], "busier": ["more successful"]}),
    ("en", [
        "The proposed water tariff puts an unfair burden on large families.",
        "A family of six will pay almost double while using water just as carefully.",
        "The tariff should be calculated per person, not per household.",
        "We ask you to revise the tariff table before it takes effect.",
        "Thank you for considering the views of ordinary households.",
    ], {"unfair": ["unjust", "heavy"], "almost": ["nearly"], "carefully": ["responsibly"],
        "revise": ["change", "rewrite"], "ask": ["request"]}),
    ("fa", [
        "اینجانب با طرح افزایش عوارض نوسازی به شدت مخالفم.",
        "این افزایش فشار زیادی بر خانواده‌های کم‌درآمد وارد می‌کند.",
        "بسیاری از مالکان بازنشسته هستند و درآمد ثابتی دارند.",
        "خواهشمندم این طرح را متوقف کنید و پیش از تصمیم‌گیری با ساکنان محله‌ها مشورت کنید.",
    ], {"به شدت": ["کاملاً", "جداً"], "فشار": ["بار"], "خواهشمندم": ["تقاضا دارم", "لطفاً"],
        "متوقف": ["لغو", "معلق"], "بسیاری": ["خیلی"]}),
    ("fa", [
        "ما ساکنان محله‌ی نارمک از ساخت پارک جدید در زمین بایر خیابان گلبرگ حمایت می‌کنیم.",
        "کودکان محله هیچ فضای امنی برای بازی ندارند.",
        "این زمین سال‌هاست که به محل انباشت زباله تبدیل شده است.",
        "از شورای شهر می‌خواهیم بودجه‌ی این پروژه را در سال آینده تصویب کند.",
        "با سپاس از توجه شما.",
    ], {"حمایت": ["پشتیبانی"], "امنی": ["مناسبی"], "سال‌هاست": ["مدت‌هاست"], "می‌خواهیم": ["درخواست داریم"],
        "تصویب": ["تأیید"]}),
    ("fa", [
        "طرح ممنوعیت تردد موتورسیکلت‌های کاربراتوری در مرکز شهر معیشت هزاران پیک را تهدید می‌کند.",
        "بیشتر ما توان خرید موتور برقی را نداریم.",
        "هیچ وام یا کمکی برای تعویض موتورها پیش‌بینی نشده است.",
        "درخواست می‌کنیم اجرای طرح دست‌کم دو سال به تعویق بیفتد.",
    ], {"تهدید": ["به خطر"], "بیشتر": ["اکثر"], "توان": ["پول"], "دست‌کم": ["حداقل"], "درخواست": ["تقاضا"]}),
]
EN_GREETINGS = ["Dear Minister,", "To whom it may concern,", "Hello,", "Dear Sir or Madam,"]
EN_NAMES = ["Sara Kim", "John Doe", "Maria Lopez", "Ali Hassan", "Chen Wei", "Anna Novak", "Tom Baker"]
FA_GREETINGS = ["با سلام،", "با سلام و احترام،", "جناب آقای وزیر،", "سلام،"]
FA_NAMES = ["علی رضایی", "مریم احمدی", "حسین کریمی", "زهرا محمدی", "رضا حسینی", "فاطمه موسوی", "نرگس صادقی"]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1:]  # a letter dropped
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # two letters swapped
    if kind == 2:
        return word[:i] + word[i] + word[i:]  # a letter doubled
    return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyzابپتسشمنوهی") + word[i + 1:]  # a wrong letter


def campaign_member(template, rng: random.Random) -> str:
    language, sentences, synonyms = template
    sentences = list(sentences)
    if rng.random() < 0.5:  # reorder
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    if rng.random() < 0.2:
        rng.shuffle(sentences)
    text = " ".join(sentences)
    for word in rng.sample(sorted(synonyms), k=rng.randint(0, 2)):  # synonyms
        text = text.replace(word, rng.choice(synonyms[word]), 1)
    words = text.split(" ")
    for _ in range(rng.randint(0, 3)):  # typos
        i = rng.randrange(len(words))
        words[i] = typo(words[i], rng)
    text = " ".join(words)
    if language == "fa":  # spelling variation: ZWNJ as space or nothing, Arabic letter forms
        if rng.random() < 0.4:
            text = text.replace(ZWNJ, rng.choice([" ", ""]))
        if rng.random() < 0.3:
            text = text.replace("ی", "ي").replace("ک", "ك")
    greetings, names = (FA_GREETINGS, FA_NAMES) if language == "fa" else (EN_GREETINGS, EN_NAMES)
    if rng.random() < 0.5:
        text = f"{rng.choice(greetings)} {text}"
    if rng.random() < 0.5:
        text = f"{text}\n{rng.choice(names)}"
    if language == "en" and rng.random() < 0.2:
        text = text.lower()
    return text


def synthetic_consultation(n_organic=3000, campaign_sizes=(3, 4, 7, 15, 40, 120), seed=0, pair_copies=2):
    """(key, text) comments in random order and the truth {key: campaign number or None}.

    Campaign i uses template i % 6 (a second round of the same template counts as the same campaign).
    ``pair_copies`` texts are sent by two people each: a pair is not a campaign.
    """
    rng = random.Random(seed)
    comments, truth = [], {}
    for i in range(n_organic):
        key = f"o{i}"
        comments.append((key, organic_persian(rng) if i % 2 else organic_english(rng)))
        truth[key] = None
    for number, size in enumerate(campaign_sizes):
        template = TEMPLATES[number % len(TEMPLATES)]
        for j in range(size):
            key = f"c{number}-{j}"
            comments.append((key, campaign_member(template, rng)))
            truth[key] = number % len(TEMPLATES)
    for i in range(pair_copies):
        text = organic_english(rng) + " " + organic_english(rng)
        for j in range(2):
            comments.append((f"pair{i}-{j}", text))
            truth[f"pair{i}-{j}"] = None
    rng.shuffle(comments)
    return comments, truth


def membership_scores(result, truth):
    """Precision and recall of 'is in a campaign', and of 'these two are in the same campaign'."""
    found = {key for campaign in result.campaigns for key in campaign.keys}
    actual = {key for key, campaign in truth.items() if campaign is not None}
    precision = len(found & actual) / len(found) if found else 1.0
    recall = len(found & actual) / len(actual)
    same_found = {frozenset((a, b)) for c in result.campaigns for a in c.keys for b in c.keys if a < b}
    same_actual = {frozenset((a, b)) for a in actual for b in actual if a < b and truth[a] == truth[b]}
    pair_precision = len(same_found & same_actual) / len(same_found) if same_found else 1.0
    pair_recall = len(same_found & same_actual) / len(same_actual)
    return precision, recall, pair_precision, pair_recall


# --- Acceptance ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_campaigns_in_a_synthetic_consultation(seed):
    comments, truth = synthetic_consultation(seed=seed)
    result = find_campaigns(comments)
    precision, recall, pair_precision, pair_recall = membership_scores(result, truth)
    assert precision >= 0.95 and recall >= 0.95
    assert pair_precision >= 0.95 and pair_recall >= 0.95
    assert len(result.campaigns) == len(TEMPLATES)
    listed = [key for campaign in result.campaigns for key in campaign.keys] + result.unclustered
    assert sorted(listed) == sorted(truth)


def test_campaign_shape():
    comments, truth = synthetic_consultation(n_organic=400, seed=3)
    result = find_campaigns(comments)
    order = {key: i for i, (key, _) in enumerate(comments)}
    texts = dict(comments)
    sizes = [campaign.size for campaign in result.campaigns]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= MIN_CAMPAIGN_SIZE
    for campaign in result.campaigns:
        assert [order[k] for k in campaign.keys] == sorted(order[k] for k in campaign.keys)
        assert campaign.representative_key in campaign.keys
        assert campaign.representative_text == texts[campaign.representative_key]
        assert sorted(k for variant in campaign.variants for k in variant.keys) == sorted(campaign.keys)
        counts = [len(variant.keys) for variant in campaign.variants]
        assert counts == sorted(counts, reverse=True)
    assert all(truth[key] is None for key in result.unclustered if not key.startswith("c"))


def test_persian_spelling_variants_are_one_campaign():
    base = ("ما ساکنان محله‌ی نارمک از ساخت پارک جدید در زمین بایر خیابان گلبرگ حمایت می‌کنیم"
            " و از شورا می‌خواهیم تصویب کند.")
    variants = [
        ("zwnj", base),
        ("space", base.replace(ZWNJ, " ")),
        ("joined", base.replace(ZWNJ, "")),
        ("arabic", base.replace("ی", "ي").replace("ک", "ك")),
        ("digits", base + " ۱۴۰۳"),
    ]
    result = find_campaigns(variants)
    assert len(result.campaigns) == 1 and result.campaigns[0].size == 5


def test_organic_comments_on_one_topic_are_not_a_campaign():
    rng = random.Random(7)
    comments = [(i, organic_english(rng) if i % 2 else organic_persian(rng)) for i in range(1500)]
    result = find_campaigns(comments)
    assert sum(campaign.size for campaign in result.campaigns) <= 0.01 * len(comments)


def test_short_texts_and_pairs_are_left_alone():
    comments = [(i, "I agree.") for i in range(10)]
    comments += [("a", "A long enough comment that two people happened to paste word for word today."),
                 ("b", "A long enough comment that two people happened to paste word for word today.")]
    result = find_campaigns(comments)
    assert result.campaigns == [] and len(result.unclustered) == 12
    assert find_campaigns([]).campaigns == []


def test_results_are_deterministic():
    comments, _ = synthetic_consultation(n_organic=600, seed=5)
    first, second = find_campaigns(comments), find_campaigns(list(comments))
    assert [(c.keys, c.representative_key) for c in first.campaigns] == \
        [(c.keys, c.representative_key) for c in second.campaigns]


def test_shingles_are_per_text():
    shingles = Shingles.of(["abcdefg", "", "xyzab"])
    assert shingles.counts.tolist() == [3, 0, 1]
    assert len(shingles.hashes) == 4
    again = Shingles.of(["xyzab"])
    assert again.of_text(0).tolist() == shingles.of_text(2).tolist()


# --- Bursts ----------------------------------------------------------------------------------------

T0 = datetime(2025, 3, 1, 12, 0)


def test_a_burst_of_new_accounts_is_flagged():
    new = [(f"n{i}", T0 - timedelta(days=1), T0 + timedelta(minutes=3 * i)) for i in range(12)]
    old = [(f"o{i}", T0 - timedelta(days=400), T0 + timedelta(minutes=i)) for i in range(30)]
    found = bursts(new + old, window_minutes=60, min_count=10)
    assert len(found) == 1
    assert found[0].keys == [f"n{i}" for i in range(12)]
    assert (found[0].start, found[0].end) == (T0, T0 + timedelta(minutes=33))


def test_spread_out_or_old_or_unknown_accounts_are_no_burst():
    spread = [(i, T0, T0 + timedelta(minutes=7 * i)) for i in range(20)]  # at most 9 in any hour
    old = [(i, T0 - NEW_ACCOUNT_AGE, T0 + timedelta(minutes=i)) for i in range(20)]  # exactly 7 days: not new
    unknown = [(i, None, T0 + timedelta(minutes=i)) for i in range(20)]
    assert bursts(spread) == bursts(old) == bursts(unknown) == []


def test_separate_bursts_stay_separate_and_overlapping_windows_merge():
    first = [(f"a{i}", T0, T0 + timedelta(minutes=i)) for i in range(10)]
    second = [(f"b{i}", T0, T0 + timedelta(hours=5, minutes=5 * i)) for i in range(20)]  # 95 minutes long
    found = bursts(second + first, window_minutes=60, min_count=10)
    assert [len(b.keys) for b in found] == [10, 20]
    assert found[1].end - found[1].start == timedelta(minutes=95)

"""Rayzan's own sample content, written for the demo: a municipal regulation on public
participation in budgeting, and a roundtable about it, in Persian and English.

Section ids are fixed so the two translations share them and a re-run finds them again.
"""

import uuid

NAMESPACE = uuid.UUID("6f1b8a52-5f5e-4b8c-9a35-2f0c3c1f7e10")


def stable_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


TOPICS = [  # (slug, fa, en)
    ("budget", "بودجه", "Budget"),
    ("urban-services", "خدمات شهری", "Urban services"),
    ("human-rights", "حقوق بشر", "Human rights"),
    ("veterans", "ایثارگران و سربازان", "Veterans"),
]
REGIONS = [  # (code, fa, en)
    ("tehran", "تهران", "Tehran"),
    ("isfahan", "اصفهان", "Isfahan"),
    ("national", "سراسر کشور", "Nationwide"),
]

BUDGET_TITLE = {
    "fa": "آیین‌نامهٔ مشارکت شهروندان در بودجه‌ریزی شهری",
    "en": "Regulation on Citizen Participation in the Municipal Budget",
}
BUDGET_SUMMARY = {
    "fa": "پیش‌نویس قاعده‌ای که به ساکنان شهر اجازه می‌دهد بخشی از بودجهٔ عمرانی سالانه را خودشان پیشنهاد "
          "کنند، دربارهٔ آن گفت‌وگو کنند و به آن رأی بدهند. دربارهٔ هر ماده نظر خود را بنویسید.",
    "en": "A draft rule that lets residents propose, debate and vote on part of the city's yearly capital "
          "budget. Tell us what you think of each article.",
}
BUDGET_INTRO = {
    "fa": "<p>شورای شهر می‌خواهد دست‌کم پنج درصد بودجهٔ عمرانی را با تصمیم مستقیم شهروندان هزینه کند. "
          "این پیش‌نویس می‌گوید چه کسی می‌تواند پیشنهاد بدهد، پیشنهادها چگونه بررسی می‌شوند، رأی‌گیری چگونه "
          "انجام می‌شود و شهرداری چگونه گزارش می‌دهد.</p>",
    "en": "<p>The city council wants at least five per cent of the capital budget to be spent by the direct "
          "decision of residents. This draft says who may propose projects, how proposals are checked, how "
          "the vote works and how the municipality reports back.</p>",
}
BUDGET_SECTIONS = [  # (key, fa heading, fa body, en heading, en body)
    ("purpose",
     "مادهٔ ۱ — هدف",
     "<p>هدف این آیین‌نامه مشارکت مستقیم ساکنان در تصمیم‌گیری دربارهٔ بخشی از بودجهٔ عمرانی شهر، "
     "افزایش شفافیت هزینه‌ها و پاسخ‌گویی شهرداری است.</p>",
     "Article 1 — Purpose",
     "<p>This regulation lets residents decide directly on part of the city's capital budget, makes "
     "spending more transparent and holds the municipality to account.</p>"),
    ("definitions",
     "مادهٔ ۲ — تعاریف",
     "<ul><li><b>بودجهٔ مشارکتی:</b> سهمی از بودجهٔ عمرانی سالانه که ساکنان دربارهٔ آن تصمیم می‌گیرند.</li>"
     "<li><b>ساکن:</b> هر شخص شانزده ساله یا بزرگ‌تر که در محدودهٔ شهر زندگی، کار یا تحصیل می‌کند.</li>"
     "<li><b>پیشنهاد:</b> طرحی عمرانی با هزینهٔ برآوردشده که یک ساکن یا گروهی از ساکنان ارائه می‌کنند.</li></ul>",
     "Article 2 — Definitions",
     "<ul><li><b>Participatory budget:</b> the share of the yearly capital budget that residents decide on.</li>"
     "<li><b>Resident:</b> anyone aged sixteen or over who lives, works or studies within the city limits.</li>"
     "<li><b>Proposal:</b> a capital project with an estimated cost put forward by one or more residents.</li>"
     "</ul>"),
    ("share",
     "مادهٔ ۳ — سهم بودجه",
     "<p>دست‌کم پنج درصد بودجهٔ عمرانی هر سال به بودجهٔ مشارکتی اختصاص می‌یابد و به نسبت جمعیت میان "
     "مناطق شهر تقسیم می‌شود. دو درصد دیگر برای طرح‌هایی که کل شهر را در بر می‌گیرند کنار گذاشته می‌شود.</p>",
     "Article 3 — Share of the budget",
     "<p>At least five per cent of each year's capital budget goes to the participatory budget and is "
     "divided among the city's districts in proportion to their population. A further two per cent is "
     "kept for projects that serve the whole city.</p>"),
    ("proposals",
     "مادهٔ ۴ — ارائهٔ پیشنهاد",
     "<p>هر ساکن می‌تواند در بازهٔ شش‌هفته‌ای که شهرداری اعلام می‌کند، حداکثر سه پیشنهاد ثبت کند. "
     "پیشنهاد باید مکان، هزینهٔ تقریبی و گروه‌های بهره‌مند را مشخص کند. ثبت پیشنهاد به صورت برخط و "
     "حضوری در دفاتر محله امکان‌پذیر است.</p>",
     "Article 4 — Making a proposal",
     "<p>Any resident may submit up to three proposals during the six-week window the municipality "
     "announces. A proposal states its location, its approximate cost and who would benefit. Proposals can "
     "be made online or in person at neighbourhood offices.</p>"),
    ("review",
     "مادهٔ ۵ — بررسی فنی",
     "<p>کارشناسان شهرداری ظرف سی روز امکان‌پذیری فنی، حقوقی و مالی هر پیشنهاد را بررسی می‌کنند. "
     "دلیل رد هر پیشنهاد به زبان ساده منتشر می‌شود و پیشنهاددهنده می‌تواند ظرف ده روز درخواست بازبینی کند.</p>",
     "Article 5 — Technical review",
     "<p>Municipal staff check each proposal's technical, legal and financial feasibility within thirty "
     "days. The reason for rejecting any proposal is published in plain language, and the proposer may ask "
     "for a review within ten days.</p>"),
    ("deliberation",
     "مادهٔ ۶ — گفت‌وگوی عمومی",
     "<p>پیش از رأی‌گیری، در هر منطقه دست‌کم دو نشست عمومی برگزار می‌شود که یکی از آن‌ها برخط است. "
     "خلاصهٔ گفت‌وگوها و پرسش‌ها و پاسخ‌ها منتشر می‌شود.</p>",
     "Article 6 — Public deliberation",
     "<p>Before the vote, each district holds at least two public meetings, one of them online. A summary "
     "of the discussion and of the questions and answers is published.</p>"),
    ("vote",
     "مادهٔ ۷ — رأی‌گیری",
     "<p>هر ساکن یک بار رأی می‌دهد و می‌تواند تا پنج طرح از منطقهٔ خود و یک طرح شهری را برگزیند. "
     "رأی‌گیری برخط و حضوری انجام می‌شود و نتایج با شمار دقیق آرا منتشر می‌شود.</p>",
     "Article 7 — The vote",
     "<p>Each resident votes once and may choose up to five projects in their district and one city-wide "
     "project. Voting takes place online and in person, and the results are published with exact counts.</p>"),
    ("inclusion",
     "مادهٔ ۸ — دسترسی و فراگیری",
     "<p>شهرداری باید امکان مشارکت افراد دارای معلولیت، سالمندان و کسانی را که به اینترنت دسترسی ندارند "
     "فراهم کند؛ از جمله برگه‌های رأی با حروف درشت، کمک حضوری و اطلاع‌رسانی به زبان‌های رایج در شهر.</p>",
     "Article 8 — Access and inclusion",
     "<p>The municipality must make it possible for disabled people, older people and those without "
     "internet access to take part, including large-print ballots, help in person and information in the "
     "languages commonly spoken in the city.</p>"),
    ("implementation",
     "مادهٔ ۹ — اجرا و پایش",
     "<p>طرح‌های برگزیده در بودجهٔ سال بعد گنجانده می‌شوند. شهرداری هر سه ماه پیشرفت هر طرح، هزینهٔ "
     "واقعی و دلیل هرگونه تأخیر را منتشر می‌کند.</p>",
     "Article 9 — Delivery and monitoring",
     "<p>Chosen projects are written into the next year's budget. Every three months the municipality "
     "publishes each project's progress, its actual cost and the reason for any delay.</p>"),
    ("review-of-rule",
     "مادهٔ ۱۰ — بازنگری",
     "<p>این آیین‌نامه پس از دو دوره اجرا با مشارکت عمومی بازنگری می‌شود و گزارش ارزیابی آن منتشر "
     "خواهد شد.</p>",
     "Article 10 — Review of this regulation",
     "<p>This regulation will be reviewed with public participation after two budget cycles, and the "
     "evaluation report will be published.</p>"),
]
BUDGET_CONTACT = {
    "fa": ("دفتر مشارکت‌های مردمی شهرداری", "ساختمان شهرداری، طبقهٔ دوم؛ شنبه تا چهارشنبه، ساعت ۸ تا ۱۴"),
    "en": ("Municipal Office for Public Participation",
           "City Hall, second floor; Saturday to Wednesday, 8:00 to 14:00"),
}

ROUNDTABLE_TITLE = {
    "fa": "نشست زنده: بودجهٔ مشارکتی در محله‌ها",
    "en": "Live roundtable: participatory budgeting in our neighbourhoods",
}
ROUNDTABLE_SUMMARY = {
    "fa": "گفت‌وگوی زنده با اعضای شورا و کارشناسان شهرداری دربارهٔ پیش‌نویس آیین‌نامهٔ بودجهٔ مشارکتی. "
          "به گزاره‌ها رأی موافق، مخالف یا ممتنع بدهید.",
    "en": "A live conversation with council members and municipal staff about the draft participatory "
          "budgeting regulation. Vote agree, disagree or pass on the statements.",
}
ROUNDTABLE_AGENDA = [  # (key, fa title, fa description, en title, en description, minutes)
    ("welcome", "خوشامد و قواعد گفت‌وگو", "معرفی تسهیل‌گران و شیوهٔ مشارکت.",
     "Welcome and ground rules", "Facilitators introduce themselves and explain how to take part.", 10),
    ("share", "سهم بودجه و تقسیم آن میان مناطق", "آیا پنج درصد کافی است؟",
     "The budget share and how it is divided", "Is five per cent enough?", 25),
    ("access", "دسترسی برای همه", "چگونه کسانی که برخط نیستند مشارکت کنند؟",
     "Access for everyone", "How can people who are not online take part?", 25),
    ("next", "جمع‌بندی و گام‌های بعدی", "آنچه شنیدیم و آنچه پس از این نشست رخ می‌دهد.",
     "Summary and next steps", "What we heard and what happens after this session.", 10),
]
ROUNDTABLE_STATEMENTS = [  # (key, fa, en)
    ("five-percent", "پنج درصد بودجهٔ عمرانی برای تصمیم مستقیم شهروندان کافی است.",
     "Five per cent of the capital budget is enough for residents to decide directly."),
    ("age-16", "نوجوانان شانزده ساله باید بتوانند در بودجهٔ مشارکتی رأی بدهند.",
     "Sixteen-year-olds should be able to vote in the participatory budget."),
    ("in-person", "رأی‌گیری حضوری در محله‌ها به اندازهٔ رأی‌گیری برخط اهمیت دارد.",
     "Voting in person in neighbourhoods matters as much as voting online."),
    ("quarterly", "گزارش سه‌ماهه دربارهٔ پیشرفت طرح‌ها اعتماد مردم را بیشتر می‌کند.",
     "Quarterly progress reports on projects would increase public trust."),
]
ROUNDTABLE_FACILITATORS = [  # (fa name, fa role, en name, en role)
    ("مریم احمدی", "عضو شورای شهر", "Maryam Ahmadi", "City council member"),
    ("رضا کریمی", "کارشناس بودجهٔ شهرداری", "Reza Karimi", "Municipal budget officer"),
]

ABOUT_TITLE = {"fa": "دربارهٔ رایزن", "en": "About Rayzan"}
ABOUT_INTRO = {
    "fa": "رایزن جایی است که دولت و شهرداری پیش‌نویس سیاست‌ها را منتشر می‌کنند و شهروندان دربارهٔ آن‌ها "
          "نظر می‌دهند، گفت‌وگو می‌کنند و پاسخ رسمی را می‌بینند.",
    "en": "Rayzan is where governments and cities publish draft policies, and citizens comment on them, "
          "deliberate, and see the official answer.",
}
ABOUT_BODY = {
    "fa": [("heading", "چگونه مشارکت کنم؟"),
           ("paragraph", "<p>یک مشورت باز را انتخاب کنید، پیش‌نویس را بخوانید و دربارهٔ هر بخش نظر بدهید. "
                         "نام واقعی لازم نیست؛ یک نام نمایشی کافی است.</p>")],
    "en": [("heading", "How do I take part?"),
           ("paragraph", "<p>Choose an open consultation, read the draft and comment on any section. You do "
                         "not need to give your real name; a display name is enough.</p>")],
}

BUDGET_POLLS = [  # (key, kind, fa question, fa options, en question, en options, extra)
    ("share", "single", "چه سهمی از بودجهٔ عمرانی باید به تصمیم مستقیم شهروندان سپرده شود؟",
     ["کمتر از ۵ درصد", "۵ درصد", "۱۰ درصد", "بیش از ۱۰ درصد"],
     "What share of the capital budget should residents decide on directly?",
     ["Less than 5%", "5%", "10%", "More than 10%"], {"allow_other": False}),
    ("priorities", "multiple", "کدام حوزه‌ها برای محلهٔ شما اولویت دارند؟",
     ["پیاده‌رو و دوچرخه", "فضای سبز", "روشنایی معابر", "فضای بازی کودکان"],
     "Which areas matter most for your neighbourhood?",
     ["Pavements and cycling", "Green space", "Street lighting", "Children's play areas"], {"allow_other": True}),
    ("trust", "scale", "چقدر اطمینان دارید که نتیجهٔ رأی‌گیری اجرا شود؟", [],
     "How confident are you that the result of the vote will be carried out?", [],
     {"scale_low_label": "اصلاً", "scale_high_label": "کاملاً",
      "en": {"scale_low_label": "Not at all", "scale_high_label": "Completely"}}),
]
BUDGET_STATEMENTS = [  # (key, fa, en)
    ("online-only", "رأی‌گیری فقط برخط، سالمندان را کنار می‌گذارد.",
     "Voting only online leaves older people out."),
    ("district-split", "تقسیم بودجه بر اساس جمعیت، محله‌های کم‌برخوردار را نادیده می‌گیرد.",
     "Splitting the budget by population ignores deprived neighbourhoods."),
    ("review-30", "سی روز برای بررسی فنی هر پیشنهاد کافی است.",
     "Thirty days is enough for the technical review of each proposal."),
]

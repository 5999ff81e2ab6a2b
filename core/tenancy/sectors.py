"""Fixed vocabularies for agencies.

Sector headings follow the Schedule to the Child Safeguarding Practice Review and Relevant Agency (England)
Regulations 2018, with local government kept apart and a place for agencies a partnership names itself.
"""

SECTORS = {
    "education_childcare": "Education and childcare",
    "health_social_care": "Health and social care",
    "local_government": "Local government",
    "criminal_justice": "Criminal justice",
    "police_immigration": "Police and immigration",
    "miscellaneous": "Miscellaneous",
    "locally_defined": "Locally defined",
}

# The three statutory safeguarding partners (Children and Social Work Act 2017).
PARTNER_TYPES = {
    "local_authority": "Local authority",
    "icb": "Integrated care board",
    "police": "Police",
}

# First path segments the platform itself uses; a tenant may not take one as its slug.
RESERVED_SLUGS = frozenset(
    {"api", "assets", "static", "login", "logout", "account", "password-reset", "invitations", "admin",
     "platform", "health", "favicon.ico", "robots.txt", "docs"}
)

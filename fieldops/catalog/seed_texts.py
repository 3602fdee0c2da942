"""The demo/seed catalogue's English texts, marked for extraction so the .po catalogues translate them.

fieldops/catalog/texts.py looks every catalogue text up with gettext (msgid = the text exactly as stored), so
these need no code to be used: this tuple only tells `pybabel extract` (and a reader) that they are messages.
Service and department names are in fieldops/i18n.py CATALOGUE_NAMES. tests/catalog/test_catalog_texts.py checks
that every text of the demo catalogue (fieldops/workorders/demo.py, fieldops/open311/demo.py) is here or there.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SEED_TEXTS = (
    # keywords (fieldops/workorders/demo.py KEYWORDS); a translation is a comma-separated list of its own
    _l("pothole, hole, road, street, asphalt"),
    _l("street light, lamp, light out, dark, pole"),
    _l("sidewalk, broken slab, trip hazard, curb"),
    _l("litter basket, trash can, garbage, bin"),
    _l("dead animal, carcass, roadkill"),
    _l("graffiti, tag, vandalism, spray paint"),
    _l("bulk item, furniture, mattress, couch, appliance"),
    _l("rats, rat, mice, mouse, rodent"),
    _l("tree, branch, limb, pruning"),
    _l("sign, stop sign, street sign, post"),
    # questions, hints and choices (fieldops/open311/demo.py DEMO_ATTRIBUTES)
    _l("Where is the pothole?"),
    _l("In the street"),
    _l("In a crosswalk"),
    _l("In a bike lane"),
    _l("About how wide is it, in inches?"),
    _l("A number, e.g. 12"),
    _l("If a pothole has damaged your car, file a claim with the City Clerk."),
    _l("What is wrong with the light?"),
    _l("Out"),
    _l("Flickering"),
    _l("On during the day"),
    _l("Pole damaged"),
    _l("Number on the pole, if you can see one"),
    _l("When did you first notice it?"),
    _l("Anything else the crew should know"),
)

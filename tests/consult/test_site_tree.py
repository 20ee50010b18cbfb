from wagtail.models import Site


def test_site_tree_has_linked_homes_and_indexes(site_tree):
    assert site_tree.homes["fa"].locale.language_code == "fa"
    assert site_tree.homes["en"].translation_key == site_tree.homes["fa"].translation_key
    assert site_tree.indexes["en"].get_parent().pk == site_tree.homes["en"].pk
    assert Site.objects.get(is_default_site=True).root_page_id == site_tree.homes["fa"].pk
    assert site_tree.indexes["fa"].url == "/fa/consultations/"
    assert site_tree.indexes["en"].url == "/en/consultations/"


def test_site_tree_is_idempotent(site_tree):
    from consult.site_tree import ensure_site_tree

    again = ensure_site_tree()
    assert again.homes["fa"].pk == site_tree.homes["fa"].pk
    assert again.indexes["en"].pk == site_tree.indexes["en"].pk

"""HTML views of consult that are not plain Wagtail page serving."""

from django import forms
from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Locale

from cms.models import Region, Topic
from consult import search as search_index
from consult import selectors
from consult.models import ConsultationStatus
from consult.textnorm import localised_number

PAGE_SIZE = 12


class ListingFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", gettext_lazy("Any status")), *ConsultationStatus.choices],
                               required=False, label=gettext_lazy("Status"))
    topic = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                   label=gettext_lazy("Topic"))
    region = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                    label=gettext_lazy("Region"))
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def __init__(self, *args, locale, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Any topic")),
                                        *Topic.objects.filter(locale=locale).values_list("pk", "name")]
        self.fields["region"].choices = [("", _("Any region")),
                                         *Region.objects.filter(locale=locale).values_list("pk", "name")]


def _reject_repeated(params, names):
    for name in names:
        if len(params.getlist(name)) > 1:
            raise BadRequest(_("Each filter can be given only once. Choose one value for each."))


def consultation_index(request, index_page):
    locale = index_page.locale
    _reject_repeated(request.GET, ["status", "topic", "region", "page"])
    form = ListingFilterForm(request.GET or None, locale=locale)
    if request.GET and not form.is_valid():
        raise BadRequest(_("This list cannot be filtered that way. Choose from the filters on the page."))
    filters = form.cleaned_data if request.GET else {}
    pages = selectors.consultation_listing(
        parent=index_page, status=filters.get("status") or "",
        topic_id=filters.get("topic"), region_id=filters.get("region"),
    )
    paginator = Paginator(pages, PAGE_SIZE)
    try:
        page_obj = paginator.page(filters.get("page") or 1)
    except EmptyPage as exc:
        raise BadRequest(_("That page of results does not exist.")) from exc
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "consult/consultation_index_page.html", {
        "page": index_page, "self": index_page, "form": form, "page_obj": page_obj,
        "items": [(p, selectors.participation_status(p)) for p in page_obj.object_list],
        "filter_query": query.urlencode(), "filtered": any(filters.get(k) for k in ("status", "topic", "region")),
        "accountability": selectors.response_accountability(index_page.locale),
    })


def search(request):
    _reject_repeated(request.GET, ["q", "all"])
    query = request.GET.get("q", "").strip()
    if len(query) > search_index.MAX_QUERY_LENGTH:
        raise BadRequest(_("Your search is too long. Use at most %(max)s characters.")
                         % {"max": localised_number(search_index.MAX_QUERY_LENGTH)})
    all_languages = request.GET.get("all") == "1"
    locale = None if all_languages else Locale.get_active()
    hits = search_index.search(query, locale=locale) if query else []
    return render(request, "consult/search.html", {
        "query": query, "hits": hits, "all_languages": all_languages,
    })

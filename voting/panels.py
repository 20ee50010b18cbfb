"""Template context for one poll, shared by the page panel (template tag) and the view that
re-shows a refused answer with its errors."""

from voting import selectors


def poll_context(page, poll, *, state: str, response, can_answer: bool, posted: dict | None = None,
                 errors: dict | None = None) -> dict:
    """One poll's template context; `posted`/`errors` when re-showing a refused answer."""
    visible = selectors.poll_results_visible(poll, state=state, answered=response is not None)
    if posted is not None:
        selected, scale, other_text = posted["choices"], posted["scale"], posted["other_text"]
    elif response is not None:
        selected = [str(index) for index in response.choices] + (["other"] if response.other_text else [])
        scale, other_text = str(response.scale or ""), response.other_text
    else:
        selected, scale, other_text = [], "", ""
    return {
        "poll": poll,
        "state": state,
        "response": response,
        "can_answer": can_answer and state == "open",
        "results": selectors.poll_results(page, poll.id) if visible else None,
        "options": [{"value": str(i), "label": label, "checked": str(i) in selected}
                    for i, label in enumerate(poll.options)],
        "other_checked": "other" in selected,
        "scale_values": [{"value": str(n), "checked": str(n) == scale} for n in selectors.SCALE],
        "other_text": other_text,
        "errors": errors or {},
    }

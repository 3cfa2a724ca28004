"""Use modops through the official OpenAI Python SDK: only ``base_url`` changes.

    modops serve &                      # or: make run
    python examples/openai_client.py    # MODOPS_URL / MODOPS_API_KEY to override

The SDK sends the key as ``Authorization: Bearer <key>``; with no MODOPS_API_KEYS configured
on the server, any key is accepted.
"""

from __future__ import annotations

import os

from openai import OpenAI


def main() -> None:
    base = os.environ.get("MODOPS_URL", "http://127.0.0.1:8000").rstrip("/")
    client = OpenAI(base_url=f"{base}/v1", api_key=os.environ.get("MODOPS_API_KEY", "unused"))
    texts = [
        "I hope you have a wonderful day!",
        "fuck you, you stupid bitch",
        "go back to your country you dirty immigrant",
    ]
    response = client.moderations.create(model="omni-moderation-latest", input=texts)
    print(f"id={response.id} model={response.model}")
    for text, result in zip(texts, response.results, strict=True):
        scores = result.category_scores.model_dump(by_alias=True)
        top = sorted(scores.items(), key=lambda kv: -kv[1])[:3]
        flagged = [c for c, v in result.categories.model_dump(by_alias=True).items() if v]
        print(f"{'FLAGGED' if result.flagged else 'ok     '} {text!r}")
        print(f"        categories={flagged} top={[(c, round(s, 3)) for c, s in top]}")


if __name__ == "__main__":
    main()

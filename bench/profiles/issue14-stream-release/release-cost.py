"""CPU of one Releaser.release() for the mock's burst: python3 release-cost.py HINTS.json (the wire chunk_hints of the default config)."""
import timeit, json
from iron_shim.stream_release import Releaser
from iron_shim.stream_filter import Ask

hints = json.loads(open(__import__("sys").argv[1]).read())
triples = tuple((h["re"], h["i"], h.get("hold", False)) for h in hints)
texts = (
    "Mock ",
    "reply ",
    "91f6845d: ",
    "this ",
    "is ",
    "the ",
    "mock ",
    "reply ",
    "to ",
    "hello, ",
    "from ",
    "iron ",
    "mock-llm.",
)


def one():
    Releaser.of(triples).release(Ask(texts, True))


n = 5000
print("release() of the mock's 13-delta burst: %.1f us" % (min(timeit.repeat(one, number=n, repeat=5)) / n * 1e6))

"""The shim side of llm.chunk (SPEC 3.6a), without sockets: each text delta is asked about, the answer's
text replaces it, held-back text comes out as one more delta before the closing events, full-text
copies (Responses API) are rewritten, sequence numbers stay consecutive, and a deny ends the stream
with the provider's error event. Bytes are split at random places; sync and asyncio drivers agree."""
from __future__ import annotations

import asyncio
import json
import random
import threading
import unittest
from typing import Any, Iterator, List, Optional

from . import support  # noqa: F401
from .llm_server import anthropic_sse, chat_sse, responses_sse
from .sse_read import Mask, events, objects, text_of
from iron_shim import denial as denials
from iron_shim.stream_filter import Answer, Ask, ChunkFilter
from iron_shim.stream_text import shape_for
from iron_shim.streams import accumulator_for
from iron_shim.tap import StreamTap
from iron_shim.tee import tee

KIND = {"chat.completions": "openai", "completions": "openai", "responses": "openai", "messages": "anthropic"}


class Harness:
    """A tap with a chunk filter whose answers come from `answer(ask)`; records every Ask and the report."""

    def __init__(self, endpoint: str, answer: Any, strip: bool = False) -> None:
        kind = KIND[endpoint]
        self.asks: List[Ask] = []
        self.reports: List[Any] = []
        shape = shape_for(kind, endpoint)

        def deny_event(ans: Answer, sequence: Optional[int]) -> bytes:
            error, iron = denials.error_parts(
                kind, denials.Denial("c-1", ans.code or "IRON_ERR_POLICY", ans.reason or "no", ans.policy, 403, None)
            )
            return shape.error_event(error, iron, sequence)

        def ask(request: Ask) -> Answer:
            self.asks.append(request)
            return answer(request)

        async def ask_async(request: Ask) -> Answer:
            await asyncio.sleep(0)
            return ask(request)

        self.tap = StreamTap(
            accumulator_for(kind, endpoint, strip),
            lambda *a: self.reports.append(a),
            rewrite=strip,
            chunks=ChunkFilter(shape, deny_event, strip),
            ask=ask,
            ask_async=ask_async,
            abandon=lambda: self.asks.append(Ask((), True)),
        )

    def run(self, data: bytes, seed: int = 5) -> bytes:
        """Feeds data in random pieces, then the end; returns what the agent sees."""
        rng, out, pos = random.Random(seed), b"", 0
        while pos < len(data) and not self.tap.ended:
            step = rng.randint(1, 40)
            out += self.tap.feed(data[pos : pos + step])
            pos += step
        out += self.tap.tail()
        self.tap.finish()
        return out

    def run_async(self, data: bytes) -> bytes:
        """The same through afeed/atail on an event loop."""

        async def go() -> bytes:
            out = b""
            for start in range(0, len(data), 23):
                out += await self.tap.afeed(data[start : start + 23])
                if self.tap.ended:
                    break
            out += await self.tap.atail()
            self.tap.finish()
            return out

        return asyncio.run(go())


def masking(word: str) -> Any:
    """An answer function with the hold-back behaviour of a PII filter."""
    mask = Mask(word)
    return lambda ask: Answer("allow", tuple(mask.push(text) for text in ask.texts), mask.end() if ask.done else "")


def keeping(ask: Ask) -> Answer:
    """Every delta as it is."""
    return Answer("allow", ask.texts)


def lag(ask: Ask) -> Answer:
    """A filter that holds each delta until the next one (a word may go on) and releases the last at the end."""
    texts = ("",) + ask.texts[:-1] if ask.texts else ()
    return Answer("allow", texts, ask.texts[-1] if ask.texts and ask.done else "")


def asked(h: "Harness") -> List[str]:
    """Every delta text the engine was asked about, in order."""
    return [text for ask in h.asks for text in ask.texts]


def raw(events_: List[str]) -> bytes:
    return "".join(events_).encode()


class Filtering(unittest.TestCase):
    def test_an_allow_that_keeps_every_text_leaves_the_stream_byte_for_byte(self) -> None:
        for endpoint, stream in (
            ("chat.completions", chat_sse(False)),
            ("messages", anthropic_sse()),
            ("responses", responses_sse()),
        ):
            h = Harness(endpoint, keeping)
            self.assertEqual(h.run(raw(stream)), raw(stream), endpoint)
            self.assertEqual([a.done for a in h.asks].count(True), 1)
            self.assertTrue(h.asks[-1].done)
            self.assertEqual(len(asked(h)), 3 if endpoint == "chat.completions" else 2)

    def test_a_word_split_across_deltas_is_masked_and_the_remainder_comes_before_the_end(self) -> None:
        h = Harness("chat.completions", masking("llo"))
        seen = h.run(raw(chat_sse(True)))  # "Hel" "lo" "!" -> "He" "***" ... never "llo" in clear
        self.assertEqual(text_of("chat.completions", seen), "He***!")
        self.assertNotIn("llo", seen.decode())
        self.assertEqual(asked(h), ["Hel", "lo", "!"])
        self.assertTrue(h.asks[-1].done)
        names = [
            obj.get("choices", [{}])[0].get("finish_reason") if obj.get("choices") else "usage" for obj in objects(seen)
        ]
        self.assertEqual(names[-2:], ["stop", "usage"])  # the closing events stay after the text
        self.assertEqual(h.reports[0][0].output, "He***!")
        self.assertTrue(h.reports[0][1])

    def test_held_text_at_the_end_is_emitted_as_one_more_delta_before_the_closing_events(self) -> None:
        h = Harness("messages", masking("o!x"))  # "Hello!" ends in "o!", a prefix of the word: held to the end
        seen = h.run(raw(anthropic_sse()))
        kinds = [obj["type"] for obj in objects(seen)]
        self.assertEqual(kinds[-4:], ["content_block_delta", "content_block_stop", "message_delta", "message_stop"])
        self.assertEqual(objects(seen)[-4]["delta"], {"type": "text_delta", "text": "o!"})
        self.assertEqual(text_of("messages", seen), "Hello!")

    def test_the_shim_added_usage_stays_invisible_in_rewritten_chunks(self) -> None:
        h = Harness("chat.completions", masking("Hel"), strip=True)
        seen = h.run(raw(chat_sse(True)))
        self.assertNotIn(b'"usage"', seen)
        self.assertEqual(text_of("chat.completions", seen), "***lo!")
        self.assertEqual(h.reports[0][0].usage["output_tokens"], 3)

    def test_responses_full_text_copies_are_rewritten_and_sequence_numbers_stay_consecutive(self) -> None:
        h = Harness("responses", masking("there!"))  # " there" is held (a prefix of the word) until the end
        seen = h.run(raw(responses_sse()))
        objs = objects(seen)
        self.assertEqual([o["sequence_number"] for o in objs], list(range(len(objs))))
        self.assertEqual(text_of("responses", seen), "Hi there")
        done = {o["type"]: o for o in objs}
        self.assertEqual(done["response.output_text.done"]["text"], "Hi there")
        h = Harness("responses", masking("the"))
        seen = h.run(raw(responses_sse()))
        done = {o["type"]: o for o in objects(seen)}
        self.assertEqual(text_of("responses", seen), "Hi ***re")
        self.assertEqual(done["response.output_text.done"]["text"], "Hi ***re")
        self.assertEqual(done["response.completed"]["response"]["output"][0]["content"][0]["text"], "Hi ***re")
        self.assertNotIn(b"there", seen)

    def test_asyncio_and_blocking_drivers_give_the_same_bytes(self) -> None:
        for endpoint, stream in (
            ("chat.completions", chat_sse(True)),
            ("messages", anthropic_sse()),
            ("responses", responses_sse()),
        ):
            sync = Harness(endpoint, masking("l")).run(raw(stream))
            self.assertEqual(Harness(endpoint, masking("l")).run_async(raw(stream)), sync, endpoint)

    def test_a_deny_ends_the_stream_with_the_providers_error_event(self) -> None:
        deny = lambda ask: Answer("deny", (), "", "IRON_ERR_PII", "an email address", "pii")  # noqa: E731
        h = Harness("chat.completions", deny)
        seen = h.run(raw(chat_sse(False)))
        last = json.loads(events(seen)[-1][1])
        self.assertEqual(
            last["error"],
            {"message": "iron: an email address", "type": "iron_policy_denied", "param": None, "code": "IRON_ERR_PII"},
        )
        self.assertEqual(text_of("chat.completions", seen), "")
        self.assertEqual(h.reports[0][1:], (False, "IRON_ERR_PII: an email address"))
        self.assertTrue(h.tap.ended)
        seen = Harness("messages", deny).run(raw(anthropic_sse()))
        name, data = events(seen)[-1]
        self.assertEqual((name, json.loads(data)["error"]["type"]), ("error", "permission_error"))
        seen = Harness("responses", deny).run(raw(responses_sse()))
        name, data = events(seen)[-1]
        error = json.loads(data)
        self.assertEqual(
            (name, error["type"], error["code"], error["sequence_number"]), ("error", "error", "IRON_ERR_PII", 5)
        )

    def test_a_deny_on_done_replaces_the_end(self) -> None:
        h = Harness(
            "chat.completions",
            lambda ask: Answer("deny", ask.texts, "", "IRON_ERR_PII", "x") if ask.done else keeping(ask),
        )
        seen = h.run(raw(chat_sse(False)))
        self.assertEqual(text_of("chat.completions", seen), "Hello!")
        self.assertIn("error", json.loads(events(seen)[-1][1]))
        self.assertNotIn(b"[DONE]", seen)

    def test_text_in_two_blocks_keeps_the_boundary_events_in_order(self) -> None:
        stream = anthropic_sse()
        second = [e.replace('"index":0', '"index":1') for e in stream[1:6]]  # start, ping, 2 deltas, stop
        h = Harness("messages", masking("!H"))
        seen = h.run(raw(stream[:6] + second + stream[6:]))
        self.assertEqual(text_of("messages", seen), "Hello**ello!")
        kinds = [o["type"] for o in objects(seen)]
        self.assertEqual(kinds.count("content_block_stop"), 2)
        self.assertEqual(kinds[-3:], ["content_block_stop", "message_delta", "message_stop"])

    def test_a_stream_closed_early_tells_the_engine_it_is_over(self) -> None:
        h = Harness("chat.completions", keeping)
        h.tap.feed(raw(chat_sse(False)[:2]))
        h.tap.finish()
        self.assertEqual(h.asks[-1], Ask((), True))
        self.assertEqual(h.reports[0][1], False)

    def test_a_stream_cut_before_its_end_event_still_flushes_what_was_held(self) -> None:
        h = Harness("chat.completions", masking("o!?"))
        seen = h.run(raw(chat_sse(False)[:4]))  # role, "Hel", "lo", "!" then the body ends
        self.assertEqual(text_of("chat.completions", seen), "Hello!")
        self.assertFalse(h.reports[0][1])


class Batching(unittest.TestCase):
    """Every delta of one read goes to the engine in one Ask; held text rides on an existing event."""

    def test_a_whole_stream_read_at_once_is_one_ask_and_the_remainder_rides_on_its_last_delta(self) -> None:
        for endpoint, stream in (
            ("chat.completions", chat_sse(False)),
            ("messages", anthropic_sse()),
            ("responses", responses_sse()),
        ):
            h = Harness(endpoint, masking("o!x"))  # "o!" is a prefix of the word: held to the end
            seen = h.tap.feed(raw(stream)) + h.tap.tail()
            h.tap.finish()
            self.assertEqual(len(h.asks), 1, endpoint)
            self.assertTrue(h.asks[0].done, endpoint)
            self.assertEqual(text_of(endpoint, seen), text_of(endpoint, raw(stream)), endpoint)
            self.assertEqual(len(events(seen)), len(events(raw(stream))), endpoint)  # no extra event

    def test_reads_joined_before_their_ask_build_as_one_read_of_both(self) -> None:
        """A burst's reads (the caller's own, then the helper's) are planned apart and asked about together
        (read_ahead.Pipeline): one ask, the same bytes as one read of all of it, the remainder on its last delta."""
        for endpoint, stream in (
            ("chat.completions", chat_sse(False)),
            ("messages", anthropic_sse()),
            ("responses", responses_sse()),
        ):
            whole = Harness(endpoint, masking("o!x"))
            expected = whole.tap.feed(raw(stream)) + whole.tap.tail()
            h = Harness(endpoint, masking("o!x"))
            data, tap = raw(stream), h.tap
            prepared = None
            for at in range(0, len(data), 97):
                prepared = tap.joined(prepared, tap.prepare(data[at : at + 97]))
            prepared = tap.joined(prepared, tap.prepare(None))
            assert prepared is not None and prepared.ask is not None
            seen = tap.build(prepared, tap.wait(tap.send(prepared.ask)))
            tap.finish()
            self.assertEqual(seen, expected, endpoint)
            self.assertEqual(h.asks, whole.asks, endpoint)
            self.assertEqual(len(h.asks), 1, endpoint)

    def test_a_read_whose_held_text_is_all_released_by_its_end_goes_out_as_the_provider_sent_it(self) -> None:
        """The engine held text from delta to delta inside one read and released all of it at the end: the
        agent gets the read at once, so every event keeps the provider's bytes (no copy, no re-encoding)."""
        for endpoint, stream in (
            ("chat.completions", chat_sse(True, ("Mock", " reply", " 91f6845d", ": this", " is", " it."))),
            ("messages", anthropic_sse()),
            ("responses", responses_sse()),
        ):
            h = Harness(endpoint, lag, strip=endpoint == "chat.completions")
            seen = h.tap.feed(raw(stream)) + h.tap.tail()
            h.tap.finish()
            plain = Harness(endpoint, keeping, strip=endpoint == "chat.completions")
            expected = plain.tap.feed(raw(stream)) + plain.tap.tail()
            self.assertEqual(seen, expected, endpoint)
            self.assertEqual(len(h.asks), 1, endpoint)
            self.assertEqual(h.reports[0][0].output, text_of(endpoint, raw(stream)), endpoint)

    def test_only_the_deltas_past_what_a_read_released_are_rewritten(self) -> None:
        """Text still held at the end of a read (more to come) or redacted: the events before it keep the
        provider's bytes, the later ones carry exactly what was released; nothing held comes out early."""
        stream = chat_sse(False, ("Mock", " reply", " 91f68", "45d", " ok"))
        h = Harness("chat.completions", masking("845d"))
        cut = next(i for i, e in enumerate(stream) if '"45d"' in e)  # the read ends with "8": it may begin "845d"
        first = h.tap.feed(raw(stream[:cut]))
        self.assertEqual(events(first)[:3], events(raw(stream[:3])))  # role, "Mock", " reply": as sent
        self.assertEqual(text_of("chat.completions", first), "Mock reply 91f6")
        rest = h.tap.feed(raw(stream[cut:])) + h.tap.tail()
        h.tap.finish()
        self.assertEqual(text_of("chat.completions", first + rest), "Mock reply 91f6**** ok")
        self.assertNotIn("845d", (first + rest).decode())
        self.assertEqual(len(events(first + rest)), len(stream))

    def test_chat_remainder_read_after_its_last_delta_rides_on_the_finish_chunk(self) -> None:
        stream = chat_sse(False)
        h = Harness("chat.completions", masking("o!x"))
        cut = next(i for i, e in enumerate(stream) if 'finish_reason":"' in e)
        seen = h.tap.feed(raw(stream[:cut]))
        self.assertNotIn("o!", text_of("chat.completions", seen))
        seen += h.tap.feed(raw(stream[cut:])) + h.tap.tail()
        h.tap.finish()
        self.assertEqual(text_of("chat.completions", seen), "Hello!")
        self.assertEqual(len(events(seen)), len(stream))
        finish = [o for o in objects(seen) if o.get("choices") and o["choices"][0].get("finish_reason")]
        self.assertEqual(finish[0]["choices"][0]["delta"].get("content"), "o!")

    def test_a_deny_inside_a_read_emits_the_deltas_before_it_then_the_error(self) -> None:
        h = Harness("chat.completions", lambda ask: Answer("deny", ask.texts[:1], "", "IRON_ERR_PII", "x"))
        seen = h.tap.feed(raw(chat_sse(False)))
        h.tap.finish()
        self.assertEqual(text_of("chat.completions", seen), "Hel")
        self.assertIn("error", json.loads(events(seen)[-1][1]))

    def test_what_arrives_while_an_ask_is_in_flight_goes_with_the_next_ask(self) -> None:
        stream = chat_sse(False)  # role, "Hel", "lo", "!", finish, [DONE]
        asked, read_all = threading.Event(), threading.Event()

        def body() -> Iterator[bytes]:
            yield raw(stream[:2])
            asked.wait(5)
            yield raw(stream[2:3])
            yield raw(stream[3:])
            read_all.set()

        def answer(ask: Ask) -> Answer:
            if not asked.is_set():
                asked.set()
                read_all.wait(5)  # the engine is slow: everything else arrives meanwhile
            return keeping(ask)

        h = Harness("chat.completions", answer)
        seen = b"".join(tee(h.tap, body()))
        self.assertEqual(text_of("chat.completions", seen), "Hello!")
        self.assertEqual([a.texts for a in h.asks], [("Hel",), ("lo", "!")])
        self.assertTrue(h.asks[-1].done)


if __name__ == "__main__":
    unittest.main()

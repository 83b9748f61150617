"""Chunk hints (SPEC 3.6a): which reads the shim releases without asking, and the answer it works out."""
from __future__ import annotations

import unittest

from .support import expand, load_vectors
from iron_shim import protocol
from iron_shim.stream_filter import Answer, Ask
from iron_shim.stream_release import Releaser, released_up_to

EMAIL = "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]"
HINTS = ((EMAIL, False, False), ("[0-9]", False, True), ("-----BEGIN", False, True))


def releaser() -> Releaser:
    found = Releaser.of(HINTS)
    assert found is not None
    return found


class ChunkHints(unittest.TestCase):
    def test_the_decision_vector_carries_hints_and_holds(self) -> None:
        vec = next(v for v in load_vectors("messages") if v["name"] == "decision allow streamed with chunk hints")
        decision = protocol.parse_decision(expand(vec["value"]), protocol.REQUEST_ACTIONS)
        self.assertEqual(decision.chunk_hints, ((EMAIL, False, False), ("[0-9]", False, True)))

    def test_off_spec_hints_turn_the_shortcut_off(self) -> None:
        self.assertIsNone(protocol.parse_chunk_hints([{"re": "x", "i": False, "hold": 1}]))
        self.assertIsNone(Releaser.of((("(", False, False),)))
        self.assertIsNone(Releaser.of(None))

    def test_a_clean_read_goes_out_to_its_last_space_and_the_rest_with_the_next(self) -> None:
        r = releaser()
        self.assertEqual(r.release(Ask(("Hello", " wor"), False)), Answer("allow", ("Hello", " "), released=True))
        self.assertEqual(r.release(Ask(("ld!",), True)), Answer("allow", ("world!",), released=True))

    def test_a_text_free_end_releases_what_is_held_as_the_rest(self) -> None:
        r = releaser()
        r.release(Ask(("Sure, here",), False))
        self.assertEqual(r.release(Ask((), True)), Answer("allow", (), "here", released=True))

    def test_a_value_or_a_number_that_may_go_on_is_asked(self) -> None:
        self.assertIsNone(releaser().release(Ask(("mail jane@example.com",), True)))
        self.assertIsNone(releaser().release(Ask(("card 4111 ",), False)))
        self.assertIsNone(releaser().release(Ask(("-----BEGIN RSA ",), False)))
        # With the end nothing can go on: only the value hints count.
        self.assertIsNotNone(releaser().release(Ask(("in 2026 it rained",), True)))

    def test_the_text_held_before_counts(self) -> None:
        r = releaser()
        r.release(Ask(("write to jane",), False))
        self.assertIsNone(r.release(Ask(("@example.com now",), False)))  # "jane" was held: the email is whole

    def test_nothing_is_released_while_an_ask_is_in_flight_or_after_a_redact(self) -> None:
        r = releaser()
        r.sent(Ask(("Hello wor",), False))
        self.assertIsNone(r.release(Ask(("ld ",), False)))
        r.answered(Answer("allow", ("Hello ",)))  # the supervisor holds "wor"
        self.assertEqual(r.release(Ask(("ld ",), False)), Answer("allow", ("world ",), released=True))
        r.sent(Ask(("x",), False))
        r.answered(Answer("redact", ("[EMAIL_1]",)))
        self.assertIsNone(r.release(Ask(("fine ",), False)))

    def test_an_answer_that_is_not_the_provider_text_turns_the_shortcut_off(self) -> None:
        r = releaser()
        r.sent(Ask(("Hello ",), False))
        r.answered(Answer("allow", ("Howdy ",)))
        self.assertIsNone(r.release(Ask(("there ",), False)))

    def test_a_released_read_stops_after_its_last_space_tab_or_line_break(self) -> None:
        self.assertEqual(
            [released_up_to(t) for t in ("ab", "a b", "a\tb", "a\nb", "a\rb ", "a\u00a0b")], [0, 2, 2, 2, 4, 0]
        )


if __name__ == "__main__":
    unittest.main()


class Telling(unittest.TestCase):
    """When the supervisor hears of released reads: after the agent has their bytes, joined, and always
    before a later ask of the call and before the report."""

    def tap(self, log):
        from iron_shim.stream_filter import ChunkFilter
        from iron_shim.stream_text import TextShape
        from iron_shim.streams import accumulator_for
        from iron_shim.tap import StreamTap

        chunks = ChunkFilter(TextShape(), lambda a, s: b"", releaser=releaser())
        return StreamTap(
            accumulator_for("openai", "chat.completions", False),
            lambda result, complete, error: log.append(("report", result.output)),
            rewrite=True,
            chunks=chunks,
            ask=lambda ask: log.append(("ask", ask.texts, ask.done)) or Answer("allow", ask.texts),
            tell=lambda ask: log.append(("tell", ask.texts, ask.done)),
        )

    def test_released_reads_are_told_once_the_agent_reads_on_joined_and_before_an_ask(self) -> None:
        from .llm_server import chat_sse

        events = [e.encode() for e in chat_sse(False, ("Hello ", "there ", "card 4111 ", "ok "))]
        log: list = []
        tap = self.tap(log)
        out = tap.feed(events[0] + events[1])  # the role chunk and "Hello "
        self.assertIn(b"Hello ", out)
        self.assertEqual(log, [])  # the agent has the bytes; nothing was sent before them
        tap._released(Ask(("x ",), False))  # a second release before anyone is told (as a pipeline's may be)
        tap.tell_released()
        self.assertEqual(log, [("tell", ("Hello ", "x "), False)])
        log.clear()
        tap.feed(events[2])  # "there ": released, not told yet
        self.assertEqual(log, [])
        tap.feed(events[3])  # "card 4111 " holds: told "there " first, then asked
        self.assertEqual(log, [("tell", ("there ",), False), ("ask", ("card 4111 ",), False)])
        log.clear()
        tap.feed(b"".join(events[4:]))  # "ok " and the end: released
        tap.finish()
        self.assertEqual([entry[0] for entry in log], ["tell", "report"])
        self.assertEqual(log[0][1:], (("ok ",), True))

    def test_a_clean_paced_stream_is_read_and_released_on_the_callers_thread(self) -> None:
        """No hand-off to the pooled helper while the chunk hints release every read that waited for the
        network: the agent's thread reads, releases and gets each read itself; a read a hold hint stops
        hands the rest to the helper."""
        import threading
        import time

        from .llm_server import chat_sse

        def run(pieces):
            events = [e.encode() for e in chat_sse(False, pieces)]
            readers, log = [], []
            tap = self.tap(log)
            chunks = iter(events)

            def read():
                readers.append(threading.get_ident())
                time.sleep(0.002)  # each read waits for the network (read_ahead.FRESH_SECONDS)
                return next(chunks, None)

            pipe = tap.pipeline(read)
            out = b""
            while True:
                got = pipe.next()
                if got is None:
                    break
                out += got
            tap.finish()
            return readers, log, out

        me = threading.get_ident()
        readers, log, out = run(("Hello ", "there ", "all "))
        self.assertEqual(set(readers), {me})
        self.assertEqual(b"".join(e.encode() for e in chat_sse(False, ("Hello ", "there ", "all "))), out)
        self.assertNotIn("ask", [entry[0] for entry in log])
        self.assertEqual([entry[0] for entry in log][-1], "report")
        self.assertEqual("".join("".join(entry[1]) for entry in log if entry[0] == "tell"), "Hello there all ")
        readers, log, out = run(("Hello ", "card 4111 ", "ok "))
        self.assertNotEqual(set(readers), {me})  # the held number: the helper reads on, the rest goes in one read
        self.assertIn(b"card 4111 ", out)

package dev.docref.core;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A split into two children of the segment's own size keeps every entry's home slot and never moves an entry right,
 * so a cursor that resumes in the children at the slot where it stopped yields nothing twice (its javadoc). The
 * cursor stops just after an entry sitting at its own home slot and going to the low child, which the cursor reads
 * next: there the entry keeps that slot, so resuming one slot early yields it again.
 */
class CursorSameSizeSplitTest
{
    private static final long SEED = 42;
    private static final int KEYS = 3_000;

    /**
     * Fails if the resume point is rounded down ({@code floor(slot * 2^32 / capacity)} rather than the ceiling): the
     * cursor then resumes in the low child one slot before its slot in the parent and yields that entry again.
     */
    @Test
    void aCursorYieldsNothingTwiceWhenTheSegmentItReadsSplitsIntoTwoOfItsSize()
    {
        try (PresizedDocRefMap map = PresizedDocRefMap.builder().concurrency(Concurrency.THREAD_SAFE)
            .growth(Growth.FAST).segmentBytes(4096).expectedEntries(KEYS).hashSeed(SEED).build())
        {
            for (long key = 0; key < KEYS; key++)
            {
                map.put(key, key * 3 + 1);
            }
            final Map<Long, Integer> yielded = new HashMap<>();
            final PresizedDocRefMap.Cursor cursor = map.cursor();
            Segment stopped = null;
            int slot = -1;
            while (stopped == null && cursor.next())
            {
                final long key = cursor.key();
                yielded.merge(key, 1, Integer::sum);
                final long h = Hashing.mix(key, SEED);
                final Segment segment = map.segmentOf(key);
                final int at = segment.search(h);
                // At its home, a third of the way in or more, and in the low child of a split (the one read next).
                if (at == Segment.home(h, segment.capacity) && at >= segment.capacity / 3 &&
                    ((h >>> (63 - segment.localDepth)) & 1) == 0)
                {
                    stopped = segment;
                    slot = at + 1;
                }
            }
            assertNotNull(stopped, "setup: the cursor found an entry at its home in the first segments");
            assertTrue((((long)slot << 32) % stopped.capacity) != 0,
                "setup: a slot whose resume point rounds, so that rounding it down moves the cursor");
            // Split the segment with keys homed at or after the cursor's slot: no entry before it moves.
            final int depth = stopped.localDepth;
            assertTrue(depth > 0, "setup: a pre-sized map of several segments");
            final long prefix = Hashing.mix(cursor.key(), SEED) >>> (64 - depth);
            long fresh = 1L << 40;
            while (!stopped.isRetired())
            {
                final long h = Hashing.mix(fresh, SEED);
                if (h >>> (64 - depth) == prefix && Segment.home(h, stopped.capacity) >= slot)
                {
                    map.put(fresh, fresh * 3 + 1);
                }
                fresh++;
            }
            final Segment low = map.segmentOf(cursor.key());
            assertEquals(depth + 1, low.localDepth, "setup: the segment split");
            assertEquals(stopped.capacity, low.capacity, "setup: into children of its size");
            while (cursor.next())
            {
                yielded.merge(cursor.key(), 1, Integer::sum);
            }
            yielded.forEach((key, times) -> assertEquals(1, times, () -> "key " + key + " yielded " + times +
                " times"));
            assertTrue(yielded.size() > KEYS, "the cursor went on past the split: " + yielded.size() + " keys");
        }
    }
}

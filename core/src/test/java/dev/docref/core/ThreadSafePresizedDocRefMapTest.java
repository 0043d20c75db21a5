package dev.docref.core;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import dev.docref.core.CursorSplitScenario.Step;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadSafePresizedDocRefMapTest extends PresizedDocRefMapTest
{
    Concurrency concurrency()
    {
        return Concurrency.THREAD_SAFE;
    }

    @Test
    void isTheDefault()
    {
        try (PresizedDocRefMap map = PresizedDocRefMap.withCapacity(10))
        {
            assertEquals(Concurrency.THREAD_SAFE, map.concurrency());
        }
    }

    /**
     * Removing the entry just yielded moves the displaced entries after it one slot left, the next one into the slot
     * the cursor has passed: the cursor must resume after the last entry it yielded, not at the next slot.
     */
    @ParameterizedTest
    @MethodSource("removeWhileIteratingCases")
    void removingEntriesWhileIteratingVisitsEveryEntryOnce(final int segmentBytes, final long expectedEntries)
    {
        try (PresizedDocRefMap map = builder().segmentBytes(segmentBytes).hashSeed(11)
            .expectedEntries(expectedEntries).build())
        {
            for (long i = 0; i < 10_000; i++)
            {
                map.put(i, i);
            }
            final Set<Long> visited = new HashSet<>();
            map.forEach((key, value) ->
            {
                assertTrue(visited.add(key), () -> "visited " + key + " twice");
                if ((key & 1) == 0)
                {
                    map.remove(key);
                }
            });
            assertEquals(10_000, visited.size(), "entries visited");
            assertEquals(5_000, map.size(), "entries left after removing the even keys");
            map.forEach((key, value) -> assertEquals(1, key & 1, () -> "even key " + key + " was not removed"));
        }
    }

    static Stream<Arguments> removeWhileIteratingCases()
    {
        // Pre-sized at the default segment size, and grown from empty into many small segments.
        return Stream.of(arguments(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES, 10_000), arguments(1024, 0));
    }

    @Test
    void iterationWhileTheSameThreadWritesAndSplitsNeverThrowsAndYieldsOnlyMappedPairs()
    {
        try (PresizedDocRefMap map = builder().segmentBytes(1024).hashSeed(5).build())
        {
            final Map<Long, Set<Long>> everMapped = new HashMap<>();
            for (long i = 0; i < 2_000; i++)
            {
                map.put(i, i * 3);
                everMapped.computeIfAbsent(i, k -> new HashSet<>()).add(i * 3);
            }
            final Set<Long> seenUnchanged = new HashSet<>();
            final PresizedDocRefMap.Cursor cursor = map.cursor();
            long step = 0;
            while (cursor.next())
            {
                assertTrue(everMapped.getOrDefault(cursor.key(), Set.of()).contains(cursor.value()),
                    () -> "yielded " + cursor.key() + " -> " + cursor.value() + ", which was never mapped");
                if (cursor.key() < 1_000)
                {
                    seenUnchanged.add(cursor.key());
                }
                // Grow the map (many splits) and churn keys >= 1000 while iterating.
                final long key = 2_000 + step++;
                map.put(key, key * 3);
                everMapped.computeIfAbsent(key, k -> new HashSet<>()).add(key * 3);
                map.remove(1_000 + (step % 1_000));
            }
            assertTrue(map.segmentCount() > 8, "the map split while iterating");
            assertTrue(seenUnchanged.size() > 900, "most never-touched keys were seen: " + seenUnchanged.size());
        }
    }

    /**
     * Splits under a cursor, nested: each step stops the cursor in a segment ("" the first one split, then '0' for
     * a low child and '1' for a high child) at a fraction of its slots and splits it. The cursor must yield every
     * key present throughout except those a split moved left past it (see {@link CursorSplitScenario}). A cursor
     * that remembered one resume point read the high child of a split from the slot where its low child split
     * again: in "low child split again" it missed 45 of 3,000 keys where 2 sat displaced across it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nestedSplits")
    void cursorMissesOnlyEntriesASplitMovesLeftPastItHoweverTheSegmentsItReadsSplit(final String shape,
        final List<Step> steps)
    {
        final CursorSplitScenario.Outcome outcome =
            CursorSplitScenario.run(builder().segmentBytes(4096), 42, 3_000, steps, true);
        assertEquals(steps.size(), outcome.stepsDone());
        assertEquals(Set.of(), outcome.unexplainedMisses(), () -> shape + ": " + outcome.unexplainedMisses().size() +
            " keys present throughout were not yielded, beyond the " + outcome.allowedMisses() +
            " that sat displaced across the cursor when their segment split");
    }

    static Stream<Arguments> nestedSplits()
    {
        return Stream.of(
            arguments("one split", List.of(Step.split("", 0.2))),
            arguments("low child split again", List.of(Step.split("", 0.2), Step.split("0", 0.6))),
            arguments("high child split again", List.of(Step.split("", 0.2), Step.split("1", 0.6))),
            arguments("low child, then high child", List.of(Step.split("", 0.2), Step.split("0", 0.6),
                Step.split("1", 0.4))),
            arguments("high child of the low child", List.of(Step.split("", 0.1), Step.split("0", 0.4),
                Step.split("01", 0.7))),
            arguments("four levels down the low side", List.of(Step.split("", 0.1), Step.split("0", 0.3),
                Step.split("00", 0.5), Step.split("000", 0.7))),
            arguments("three levels down the high side", List.of(Step.split("", 0.1), Step.split("1", 0.4),
                Step.split("11", 0.7))));
    }

    /**
     * A map still one small segment grows (into one twice its size, or with {@link Growth#COMPACT} into the next
     * size class) under the cursor, several times: the cursor goes on at the slot where the keys it had not reached
     * now begin.
     */
    @Test
    void cursorMissesNothingBecauseTheSegmentItReadsGrows()
    {
        final CursorSplitScenario.Outcome outcome = CursorSplitScenario.run(builder().segmentBytes(4096), 42, 12,
            List.of(new Step("", 0.5, true), new Step("", 0.6, true), new Step("", 0.7, true)), true);
        assertEquals(3, outcome.stepsDone());
        assertEquals(Set.of(), outcome.unexplainedMisses());
    }

    @Test
    void closeWhileAnotherThreadIsInsideAWriteThrowsAndKeepsTheMapOpen() throws Exception
    {
        try (PresizedDocRefMap map = builder().expectedEntries(100).build())
        {
            map.put(1, 1);
            final CountDownLatch inside = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicBoolean failed = new AtomicBoolean();
            // Hold a segment's writer lock from another thread the way a long write would.
            final Segment segment = segmentOf(map, 1);
            final Thread writer = new Thread(() ->
            {
                segment.lock();
                inside.countDown();
                try
                {
                    release.await();
                }
                catch (final InterruptedException ex)
                {
                    failed.set(true);
                }
                finally
                {
                    segment.unlock();
                }
            });
            writer.start();
            inside.await();
            final IllegalStateException ex = assertThrows(IllegalStateException.class, map::close);
            assertTrue(ex.getMessage().contains("another thread is writing"), ex.getMessage());
            release.countDown();
            writer.join();
            assertFalse(failed.get());
            assertEquals(1, map.get(1), "still open and intact");
        }
    }

    /**
     * A reader calls getAll while one writer splits 512-byte segments by inserting fresh keys and another updates the
     * reader's keys to ever higher versions: every value must be one its key had, and no key's version may go back
     * between two calls (each lookup is linearizable, so a later call cannot see an older value).
     */
    @Test
    void getAllWhileWritersSplitSegmentsReturnsOnlyValuesEachKeyHad() throws Exception
    {
        final int readKeys = 3_000;
        final int inserts = 150_000;
        final int maxVersion = 999;
        try (PresizedDocRefMap map = builder().segmentBytes(PresizedDocRefMap.MIN_SEGMENT_BYTES).hashSeed(3).build())
        {
            // Keys [0, readKeys) hold key * 1000 + version; keys from 1_000_000 on are inserted meanwhile.
            for (long key = 0; key < readKeys; key++)
            {
                map.put(key, key * 1000);
            }
            final int segmentsBefore = map.segmentCount();
            final AtomicBoolean done = new AtomicBoolean();
            final CountDownLatch start = new CountDownLatch(1);
            final Thread inserter = new Thread(() ->
            {
                await(start);
                for (long key = 1_000_000; key < 1_000_000 + inserts; key++)
                {
                    map.put(key, key * 1000);
                }
                done.set(true);
            });
            final Thread updater = new Thread(() ->
            {
                await(start);
                for (int version = 1; version <= maxVersion && !done.get(); version++)
                {
                    for (long key = 0; key < readKeys; key++)
                    {
                        map.put(key, key * 1000 + version);
                    }
                }
            });
            inserter.start();
            updater.start();

            // Half the batch the reader's keys, half keys being inserted, interleaved so every batch holds both.
            final long[] keys = new long[2 * readKeys];
            for (int i = 0; i < readKeys; i++)
            {
                keys[2 * i] = i;
                keys[2 * i + 1] = 1_000_000 + (long)i * (inserts / readKeys);
            }
            final long[] values = new long[keys.length];
            final long[] lastVersion = new long[readKeys];
            int calls = 0;
            start.countDown();
            while (!done.get() || calls == 0)
            {
                final int found = map.getAll(keys, 1, keys.length, values);
                int counted = 0;
                for (int i = 1; i < keys.length; i++)
                {
                    final long key = keys[i];
                    final long value = values[i];
                    if (key >= 1_000_000 && value == map.missingValue())
                    {
                        continue; // not inserted yet
                    }
                    counted++;
                    assertEquals(key, value / 1000, "call " + calls + ": key " + key + " read " + value +
                        ", a value it never had");
                    if (key < 1_000_000)
                    {
                        final long version = value % 1000;
                        assertTrue(version >= lastVersion[(int)key], "call " + calls + ": key " + key +
                            " went back from version " + lastVersion[(int)key] + " to " + version);
                        lastVersion[(int)key] = version;
                    }
                }
                assertEquals(counted, found, "call " + calls + ": found count");
                calls++;
            }
            inserter.join();
            updater.join();
            assertTrue(map.segmentCount() > segmentsBefore + 1000,
                () -> "the inserts split segments under the reader: " + segmentsBefore + " -> " + map.segmentCount());
            assertEquals(readKeys - 1 + readKeys, map.getAll(keys, 1, keys.length, values), "all found at the end");
        }
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    private static Segment segmentOf(final PresizedDocRefMap map, final long key) throws ReflectiveOperationException
    {
        final java.lang.reflect.Field directoryField = PresizedDocRefMap.class.getDeclaredField("directory");
        directoryField.setAccessible(true);
        final java.lang.reflect.Field seedField = PresizedDocRefMap.class.getDeclaredField("seed");
        seedField.setAccessible(true);
        final Directory directory = (Directory)directoryField.get(map);
        return directory.segmentFor(Hashing.mix(key, seedField.getLong(map)));
    }
}

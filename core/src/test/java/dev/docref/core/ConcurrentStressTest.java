package dev.docref.core;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Randomized concurrency stress: writers insert, update and remove millions of keys from an empty map with small
 * segments (so the run passes through thousands of splits and many directory doublings) while readers check every
 * value they see and cursors iterate.
 * <p>
 * Every value encodes (key, version): {@code key << 20 | version}. The checks:
 * <ul>
 *     <li>every value any reader or cursor sees for a key was written for that key;</li>
 *     <li>a stable key (never removed) that a writer has published as inserted is never missing;</li>
 *     <li>per-key linearizability: a get returns a version no older than the one the writer had published before
 *     the get started.</li>
 * </ul>
 * Bounded to about 15 s of writing.
 */
class ConcurrentStressTest
{
    private static final int VERSION_BITS = 20;
    private static final int KEYS_PER_WRITER = 1_500_000;
    private static final int WRITERS = 2;
    private static final int READERS = 2;
    private static final long WRITE_BUDGET_NANOS = 15_000_000_000L;

    @ParameterizedTest
    @EnumSource(Growth.class)
    void readersNeverSeeAWrongValueOrLoseAStableKeyWhileWritersGrowTheMap(final Growth growth)
        throws InterruptedException
    {
        final int keys = KEYS_PER_WRITER * WRITERS;
        // Published versions; 0 = not yet inserted. Churn keys (k % 8 == 0) are removed and re-inserted.
        final AtomicIntegerArray published = new AtomicIntegerArray(keys);
        final AtomicLong insertedUpTo = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long deadline = System.nanoTime() + WRITE_BUDGET_NANOS;
        final List<Thread> threads = new ArrayList<>();
        final AtomicLong reads = new AtomicLong();
        final AtomicLong iterated = new AtomicLong();
        final long[] progress = new long[WRITERS];

        try (PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(4096).growth(growth).build())
        {
            final int depthBefore = directoryDepth(map);
            for (int w = 0; w < WRITERS; w++)
            {
                final int writer = w;
                threads.add(new Thread(() ->
                {
                    final SplittableRandom random = new SplittableRandom(writer);
                    try
                    {
                        // Writer w owns keys k with k % WRITERS == w, inserted in increasing order.
                        for (int i = 0; i < KEYS_PER_WRITER && System.nanoTime() < deadline; i++)
                        {
                            final int key = i * WRITERS + writer;
                            map.put(key, encode(key, 1));
                            published.set(key, 1);
                            progress[writer] = i;
                            // Update and churn some already inserted keys of this writer.
                            final int other = random.nextInt(i + 1) * WRITERS + writer;
                            final int version = published.get(other);
                            if (version > 0 && version < (1 << VERSION_BITS) - 1)
                            {
                                if (other % 8 == 0 && random.nextBoolean())
                                {
                                    map.remove(other);
                                    map.put(other, encode(other, version + 1));
                                }
                                else
                                {
                                    map.put(other, encode(other, version + 1));
                                }
                                published.set(other, version + 1);
                            }
                        }
                    }
                    catch (final Throwable t)
                    {
                        failure.compareAndSet(null, t);
                    }
                }, "writer-" + w));
            }
            for (int r = 0; r < READERS; r++)
            {
                final int reader = r;
                threads.add(new Thread(() ->
                {
                    final SplittableRandom random = new SplittableRandom(100 + reader);
                    final PresizedDocRefMap.Cursor cursor = map.cursor();
                    try
                    {
                        while (System.nanoTime() < deadline && failure.get() == null)
                        {
                            for (int n = 0; n < 10_000; n++)
                            {
                                final int key = random.nextInt(keys);
                                final int before = published.get(key);
                                final long value = map.get(key);
                                reads.incrementAndGet();
                                if (value == map.missingValue())
                                {
                                    if (before > 0 && key % 8 != 0)
                                    {
                                        throw new AssertionError("stable key " + key + " published at version " +
                                            before + " was missing");
                                    }
                                    continue;
                                }
                                check(key, value);
                                if (version(value) < before)
                                {
                                    throw new AssertionError("key " + key + ": read version " + version(value) +
                                        " after version " + before + " was published");
                                }
                            }
                            if (reader == 0)
                            {
                                cursor.reset();
                                int seen = 0;
                                while (cursor.next() && seen < 200_000)
                                {
                                    check(cursor.key(), cursor.value());
                                    seen++;
                                }
                                iterated.addAndGet(seen);
                            }
                        }
                    }
                    catch (final Throwable t)
                    {
                        failure.compareAndSet(null, t);
                    }
                }, "reader-" + r));
            }
            threads.forEach(Thread::start);
            for (final Thread thread : threads)
            {
                thread.join();
            }
            assertNull(failure.get(), () -> "first failure: " + failure.get());

            long expected = 0;
            for (int w = 0; w < WRITERS; w++)
            {
                expected += progress[w] + 1;
            }
            long present = 0;
            for (int key = 0; key < keys; key++)
            {
                final int version = published.get(key);
                if (version > 0)
                {
                    present++;
                    assertEquals(encode(key, version), map.get(key), "final value of key " + key);
                }
            }
            assertEquals(expected, present);
            assertEquals(present, map.size(), "size once writes stopped");
            assertTrue(map.segmentCount() > 1_000, "passed through many splits: " + map.segmentCount());
            assertTrue(directoryDepth(map) - depthBefore >= 8, "passed through many directory doublings");
            assertTrue(reads.get() > 1_000_000, "readers read: " + reads.get());
            assertTrue(iterated.get() > 100_000, "cursor read: " + iterated.get());
            System.out.printf("ConcurrentStressTest: %,d keys written, %,d segments, %,d reads, %,d pairs iterated%n",
                present, map.segmentCount(), reads.get(), iterated.get());
        }
    }

    static long encode(final long key, final int version)
    {
        return key << VERSION_BITS | version;
    }

    static int version(final long value)
    {
        return (int)(value & ((1 << VERSION_BITS) - 1));
    }

    static void check(final long key, final long value)
    {
        if (value >>> VERSION_BITS != key || version(value) == 0)
        {
            throw new AssertionError("key " + key + " mapped to " + value + ", which was never written for it");
        }
    }

    private static int directoryDepth(final PresizedDocRefMap map)
    {
        final String description = map.toString();
        final int at = description.indexOf("directoryDepth=") + "directoryDepth=".length();
        return Integer.parseInt(description.substring(at, description.indexOf(',', at)));
    }
}

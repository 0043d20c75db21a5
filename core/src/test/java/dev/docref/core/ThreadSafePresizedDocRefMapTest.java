package dev.docref.core;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

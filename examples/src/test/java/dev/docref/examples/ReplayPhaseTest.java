package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import dev.docref.guard.ResizeForecast;

import org.junit.jupiter.api.Test;

/** One phase of the replay, on a made-up index. */
class ReplayPhaseTest
{
    /**
     * A wrong answer fails the run, but the ingest went on to its last key before the phase reported it: at the
     * incident's scale, minutes of a run already failed.
     */
    @Test
    void aWrongAnswerStopsTheIngestRatherThanAfterItsLastKey() throws Exception
    {
        final int entries = 20_000;
        final SlowIndex losing = new SlowIndex(true);
        final ReplayPhase phase = new ReplayPhase(FeedIndex.Kind.DOCREF, IncidentReplay.randomKeys(entries, 1),
            entries, ReplayOptions.parse(new String[0]), null);
        final IllegalStateException failed = assertThrows(IllegalStateException.class, () -> phase.run(losing, null));
        assertTrue(failed.getMessage().contains("the map lost or corrupted an entry"), failed.getMessage());
        assertTrue(losing.puts.get() < entries / 2, "the ingest went on after the wrong answer: " + losing.puts.get() +
            " of " + entries + " puts");
    }

    /**
     * Interrupted, the phase returned while its ingest and query threads still used the index, which the caller then
     * closes: on a docref map a read racing its close() may touch freed memory. It now ends them first.
     */
    @Test
    void anInterruptedPhaseReturnsOnlyOnceItsThreadsHaveEnded() throws Exception
    {
        final int entries = 20_000;
        final SlowIndex slow = new SlowIndex(false);
        final ReplayPhase phase = new ReplayPhase(FeedIndex.Kind.DOCREF, IncidentReplay.randomKeys(entries, 1),
            entries, ReplayOptions.parse(new String[0]), null);
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final AtomicReference<List<String>> aliveOnReturn = new AtomicReference<>();
        final Thread runner = new Thread(() ->
        {
            try
            {
                phase.run(slow, null);
            }
            catch (final Throwable ex)
            {
                thrown.set(ex);
            }
            // At once, with no waiting: which of the phase's threads still run.
            aliveOnReturn.set(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(name -> name.contains("-ingest-docref") || name.contains("-query-docref"))
                .collect(Collectors.toList()));
        }, "replay-phase-runner");
        runner.start();
        slow.putting.await();
        runner.interrupt();
        runner.join();
        assertInstanceOf(InterruptedException.class, thrown.get());
        assertEquals(List.of(), aliveOnReturn.get(), "threads of the phase still running after run() returned");
        assertTrue(slow.puts.get() < entries, "the ingest ran to its last key: " + slow.puts.get());
    }
    /**
     * A made-up index locked as the heap maps are, taking about 0.1 ms a put (2 s or more for 20,000), that keeps its
     * entries or loses every one.
     */
    private static final class SlowIndex extends FeedIndex.ReadWriteLocked
    {
        final AtomicLong puts = new AtomicLong();
        final CountDownLatch putting = new CountDownLatch(100);
        private final ConcurrentHashMap<Long, Long> stored = new ConcurrentHashMap<>();
        private final boolean losesEntries;

        SlowIndex(final boolean losesEntries)
        {
            this.losesEntries = losesEntries;
        }

        @Override
        void putLocked(final long key, final long docRef)
        {
            puts.incrementAndGet();
            if (!losesEntries)
            {
                stored.put(key, docRef);
            }
            putting.countDown();
            LockSupport.parkNanos(100_000);
        }

        @Override
        long getLocked(final long key)
        {
            return stored.getOrDefault(key, MISSING);
        }

        @Override
        public long size()
        {
            return puts.get();
        }

        @Override
        public ResizeForecast forecast()
        {
            return null;
        }
    }
}

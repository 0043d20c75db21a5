package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
        final AtomicLong puts = new AtomicLong();
        // Loses every entry, and takes about 0.1 ms a put: 2 s or more for all of them. Locked as the heap maps are.
        final FeedIndex losing = new FeedIndex.ReadWriteLocked()
        {
            @Override
            void putLocked(final long key, final long docRef)
            {
                puts.incrementAndGet();
                LockSupport.parkNanos(100_000);
            }

            @Override
            long getLocked(final long key)
            {
                return MISSING;
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
        };
        final ReplayPhase phase = new ReplayPhase(FeedIndex.Kind.DOCREF, IncidentReplay.randomKeys(entries, 1),
            entries, ReplayOptions.parse(new String[0]), null);
        final IllegalStateException failed = assertThrows(IllegalStateException.class, () -> phase.run(losing, null));
        assertTrue(failed.getMessage().contains("the map lost or corrupted an entry"), failed.getMessage());
        assertTrue(puts.get() < entries / 2, "the ingest went on after the wrong answer: " + puts.get() + " of " +
            entries + " puts");
    }
}

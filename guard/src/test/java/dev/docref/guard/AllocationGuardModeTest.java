package dev.docref.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.docref.guard.AllocationGuard.MODE_PROP_NAME;
import static dev.docref.guard.AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME;
import static dev.docref.guard.AllocationGuard.TOTAL_LIMIT_PROP_NAME;
import static dev.docref.guard.AllocationGuard.WARN_INTERVAL_PROP_NAME;
import static dev.docref.guard.GuardTesting.guard;
import static dev.docref.guard.GuardTesting.properties;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationGuardModeTest
{
    private static final long GIB = 1L << 30;
    private static final long SEED_DOUBLING = 3758096384L; // 3.50 GiB, the issue's example

    @Test
    void blockThrowsTheIssuesMessageAndNotifiesListenersFirst()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block");
             CapturedLog log = new CapturedLog())
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            final AllocationBlockedException ex = assertThrows(AllocationBlockedException.class,
                () -> guard.check(SEED_DOUBLING, "pkey index resize"));
            assertEquals("docref guard blocked a single allocation of 3.50 GiB for [pkey index resize]: limit " +
                "docref.guard.single.allocation.limit = 1.00 GiB (mode block). Pre-size the structure, raise the " +
                "limit, or set docref.guard.mode=warn.", ex.getMessage());
            assertEquals(1, events.size());
            final AllocationEvent event = events.get(0);
            assertTrue(event == ex.event(), "the listener saw the event the exception carries");
            assertEquals("pkey index resize", event.what());
            assertEquals(SEED_DOUBLING, event.bytes());
            assertEquals(GIB, event.limit());
            assertEquals(SINGLE_ALLOCATION_LIMIT_PROP_NAME, event.limitProperty());
            assertEquals(GuardMode.BLOCK, event.mode());
            assertEquals(AllocationDecision.BLOCKED, event.decision());
            assertEquals(1, guard.blocks());
            assertEquals(0, guard.warnings());
            assertEquals(1, log.warnings().size(), "a block is logged too: a caller may swallow the exception");
        }
    }

    /** A request one array header past a round limit read "2.00 MiB ... is over ... = 2.00 MiB". */
    @Test
    void aRequestThatRoundsToItsLimitIsGivenInExactBytes()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "2MiB",
            TOTAL_LIMIT_PROP_NAME, "4MiB"))
        {
            // A long[262144]: 2 MiB of elements and a 16-byte header.
            final AllocationBlockedException single = assertThrows(AllocationBlockedException.class,
                () -> guard.check((2L << 20) + 16, "long[262144]"));
            assertTrue(single.getMessage().startsWith("docref guard blocked a single allocation of 2.00 MiB " +
                "(2,097,168 bytes) for [long[262144]]: limit docref.guard.single.allocation.limit = 2.00 MiB " +
                "(2,097,152 bytes) (mode block)."), single.getMessage());
            // In use and asked for come to 16 bytes past the total limit.
            guard.reserve(2L << 20, "first");
            final AllocationBlockedException total = assertThrows(AllocationBlockedException.class,
                () -> guard.reserve((2L << 20) + 16, "second"));
            assertTrue(total.getMessage().startsWith("docref guard blocked a reservation of 2.00 MiB (2,097,168 " +
                "bytes) for [second]: limit docref.guard.total.limit = 4.00 MiB (4,194,304 bytes) with 2.00 MiB " +
                "(2,097,152 bytes) in use"), total.getMessage());
            // Sizes that read apart keep two decimals alone.
            final AllocationBlockedException apart = assertThrows(AllocationBlockedException.class,
                () -> guard.check(3L << 20, "apart"));
            assertTrue(apart.getMessage().startsWith("docref guard blocked a single allocation of 3.00 MiB for " +
                "[apart]: limit docref.guard.single.allocation.limit = 2.00 MiB (mode block)."), apart.getMessage());
        }
    }

    @Test
    void warnLogsBytesLimitWhatAndCallerStackThenAllows()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "warn");
             CapturedLog log = new CapturedLog())
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            assertDoesNotThrow(() -> guard.check(SEED_DOUBLING, "pkey index resize"));
            assertEquals(1, events.size());
            assertEquals(AllocationDecision.WARNED, events.get(0).decision());
            assertEquals(1, guard.warnings());
            final List<String> warnings = log.warnings();
            assertEquals(1, warnings.size());
            final String warning = warnings.get(0);
            assertTrue(warning.startsWith("docref guard warning: a single allocation of 3.50 GiB for " +
                "[pkey index resize] is over docref.guard.single.allocation.limit = 1.00 GiB (mode warn)."), warning);
            assertTrue(warning.contains("Caller stack:\n\tat " + getClass().getName() +
                ".lambda$warnLogsBytesLimitWhatAndCallerStackThenAllows$"), warning);
            assertTrue(!warning.contains("\tat " + AllocationGuard.class.getName() + "."),
                "the stack starts at the guard's caller: " + warning);
        }
    }

    /**
     * fastutil's {@code Long2LongOpenHashMap} growing to 2^24 slots allocates {@code long[2^24 + 1]} twice, keys and
     * values: 134,217,752 bytes each, 268,435,504 (256.00 MiB) inside one insert.
     */
    @Test
    void aTwoArrayResizeIsCalledAResizeWithItsArraysNotASingleAllocation()
    {
        final ResizeForecast fastutil = ResizeForecast.openAddressing(6_291_456, 8, 8, 0.75);
        final String over = "docref.guard.single.allocation.limit = 64.00 MiB";
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "warn", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "64MiB");
             CapturedLog log = new CapturedLog())
        {
            guard.checkResize(fastutil, "feed index resize");
            final String warning = log.warnings().get(0);
            assertTrue(warning.startsWith("docref guard warning: a resize allocating 256.00 MiB inside one insert " +
                "(2 arrays, the largest 128.00 MiB) for [feed index resize] is over " + over + " (mode warn). " +
                "checkResize counts the whole resize as one allocation. Allowed. Pre-size the structure, raise the " +
                "limit, or set docref.guard.mode=block to refuse it. Forecast: " + fastutil + ".\nCaller stack:"),
                warning);
        }
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "64MiB"))
        {
            final AllocationBlockedException ex = assertThrows(AllocationBlockedException.class,
                () -> guard.checkResize(fastutil, "feed index resize"));
            assertEquals("docref guard blocked a resize allocating 256.00 MiB inside one insert (2 arrays, the " +
                "largest 128.00 MiB) for [feed index resize]: limit " + over + " (mode block). checkResize counts " +
                "the whole resize as one allocation. Pre-size the structure, raise the limit, or set " +
                "docref.guard.mode=warn. Forecast: " + fastutil + ".", ex.getMessage());
            assertEquals(fastutil.nextResizeBytes(), ex.event().bytes(), "the event is the whole resize");
        }
    }

    /**
     * The guard's semantics stay: a resize is checked whole, so fastutil's growth to 2^22 slots, two arrays of
     * 32 MiB and 24 bytes each, is over a 64 MiB limit though neither array is.
     */
    @Test
    void checkResizeHoldsAWholeTwoArrayResizeToTheSingleAllocationLimit()
    {
        final ResizeForecast fastutil = ResizeForecast.openAddressing(1_572_864, 8, 8, 0.75);
        assertTrue(fastutil.nextResizeLargestAllocationBytes() < (64L << 20), fastutil::toString);
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "warn", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "64MiB"))
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            guard.checkResize(fastutil, "feed index resize");
            assertEquals(1, events.size());
            assertEquals((64L << 20) + 48, events.get(0).bytes());
        }
    }

    /** One allocation per resize, the message of a plain check: a set's key array, a hashbrown table. */
    @Test
    void aOneArrayResizeIsStillASingleAllocation()
    {
        final ResizeForecast set = ResizeForecast.openAddressing(6_291_456, 8, 0, 0.75);
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "64MiB"))
        {
            final AllocationBlockedException ex = assertThrows(AllocationBlockedException.class,
                () -> guard.checkResize(set, "feed index resize"));
            assertEquals("docref guard blocked a single allocation of 128.00 MiB for [feed index resize]: limit " +
                "docref.guard.single.allocation.limit = 64.00 MiB (mode block). Pre-size the structure, raise the " +
                "limit, or set docref.guard.mode=warn. Forecast: " + set + ".", ex.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(GuardMode.class)
    void atOrUnderTheLimitEveryModeAllowsSilently(final GuardMode mode)
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, mode.name(), SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1GiB");
             CapturedLog log = new CapturedLog())
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            guard.check(GIB, "exactly the limit");
            guard.check(0, "nothing");
            assertEquals(List.of(), events);
            assertEquals(List.of(), log.warnings());
            assertEquals(mode == GuardMode.OFF ? 0 : 2, guard.checks());
            assertEquals(mode == GuardMode.OFF ? 0 : GIB, guard.largestRequestBytes());
        }
    }

    @Test
    void offDoesNothingEvenFarOverTheLimit()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "off", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k",
            TOTAL_LIMIT_PROP_NAME, "1k");
             CapturedLog log = new CapturedLog())
        {
            guard.addListener(event -> { throw new AssertionError("OFF notified " + event); });
            guard.check(Long.MAX_VALUE, "anything");
            guard.reserve(1L << 40, "anything");
            assertEquals(1L << 40, guard.reservedBytes(), "the accounting is kept in every mode");
            guard.release(1L << 40);
            assertEquals(0, guard.checks());
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void aRefusedReservationLeavesTheAccountingExact()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", TOTAL_LIMIT_PROP_NAME, "1MiB"))
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            guard.reserve(768 << 10, "first");
            guard.reserve(256 << 10, "up to the limit exactly");
            assertEquals(1 << 20, guard.reservedBytes());
            final AllocationBlockedException ex =
                assertThrows(AllocationBlockedException.class, () -> guard.reserve(1, "one byte too many"));
            assertEquals("docref guard blocked a reservation of 1 B for [one byte too many]: limit " +
                "docref.guard.total.limit = 1.00 MiB with 1.00 MiB in use and 1 B asked for (mode block). Free " +
                "memory, raise the limit, or set docref.guard.mode=warn.", ex.getMessage());
            assertEquals(TOTAL_LIMIT_PROP_NAME, ex.event().limitProperty());
            assertEquals(1 << 20, ex.event().reservedBytes());
            assertEquals(1 << 20, guard.reservedBytes(), "nothing was reserved");
            guard.release(256 << 10);
            guard.reserve(1, "fits now");
            guard.release(1);
            guard.release(768 << 10);
            assertEquals(0, guard.reservedBytes());
            assertEquals(1, events.size());
        }
    }

    @Test
    void warnReservesOverTheTotalLimitAndSaysSo()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "warn", TOTAL_LIMIT_PROP_NAME, "1k");
             CapturedLog log = new CapturedLog())
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            guard.reserve(1000, "a");
            guard.reserve(1000, "b");
            assertEquals(2000, guard.reservedBytes());
            assertEquals(1, events.size());
            assertEquals(AllocationDecision.WARNED, events.get(0).decision());
            assertEquals(1000, events.get(0).reservedBytes());
            assertTrue(log.warnings().get(0).startsWith("docref guard warning: a reservation of 1000 B for [b] goes " +
                "over docref.guard.total.limit = 1.00 KiB with 1000 B in use and 1000 B asked for (mode warn)."),
                () -> log.warnings().get(0));
            guard.release(2000);
        }
    }

    @Test
    void releasingMoreThanIsReservedThrowsAndChangesNothing()
    {
        try (AllocationGuard guard = guard())
        {
            guard.reserve(100, "x");
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> guard.release(101));
            assertTrue(ex.getMessage().contains("release of 101 bytes but only 100 are reserved"), ex::getMessage);
            assertEquals(100, guard.reservedBytes());
            assertThrows(IllegalArgumentException.class, () -> guard.release(-1));
            assertThrows(IllegalArgumentException.class, () -> guard.reserve(-1, "x"));
            assertThrows(IllegalArgumentException.class, () -> guard.check(-1, "x"));
            guard.release(100);
        }
    }

    @Test
    void aThrowingListenerIsLoggedAndIgnored()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k");
             CapturedLog log = new CapturedLog())
        {
            final List<AllocationEvent> later = new ArrayList<>();
            guard.addListener(event -> { throw new IllegalStateException("listener bug"); });
            guard.addListener(later::add);
            assertThrows(AllocationBlockedException.class, () -> guard.check(2048, "x"));
            assertEquals(1, later.size(), "the next listener still ran");
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("threw") && w.contains("listener bug")),
                () -> log.warnings().toString());
        }
    }

    @Test
    void aListenerThrowingACheckedExceptionChangesNeitherTheDecisionNorTheAccounts()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "warn", TOTAL_LIMIT_PROP_NAME, "1k");
             CapturedLog log = new CapturedLog())
        {
            guard.addListener(event -> sneakyThrow(new java.io.IOException("listener I/O")));
            assertDoesNotThrow(() -> guard.reserve(2048, "x"), "warn allows, whatever the listener does");
            assertEquals(2048, guard.reservedBytes());
            guard.release(2048);
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("listener I/O")),
                () -> log.warnings().toString());
            guard.reconfigure(properties(MODE_PROP_NAME, "block"));
            assertThrows(AllocationBlockedException.class, () -> guard.reserve(2048, "x"));
            assertEquals(0, guard.reservedBytes());
        }
    }

    @Test
    void aZeroByteReservationSucceedsEvenOverTheTotalLimit()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "warn", TOTAL_LIMIT_PROP_NAME, "1k"))
        {
            guard.reserve(2048, "before the limit was enforced");
            guard.reconfigure(properties(MODE_PROP_NAME, "block"));
            assertDoesNotThrow(() -> guard.reserve(0, "nothing"));
            assertEquals(2048, guard.reservedBytes());
            guard.release(2048);
        }
    }

    @Test
    void aNullFromTheMXBeanIsRefusedByName()
    {
        try (AllocationGuard guard = guard())
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> guard.set(MODE_PROP_NAME, null));
            assertTrue(ex.getMessage().contains(MODE_PROP_NAME), ex.getMessage());
            assertEquals(GuardMode.WARN, guard.mode());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(final Throwable ex) throws T
    {
        throw (T)ex;
    }

    @Test
    void removedListenersAreNotCalled()
    {
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k"))
        {
            final AtomicLong calls = new AtomicLong();
            final AllocationListener listener = event -> calls.incrementAndGet();
            guard.addListener(listener);
            guard.check(2048, "x");
            assertTrue(guard.removeListener(listener));
            assertTrue(!guard.removeListener(listener));
            guard.check(2048, "x");
            assertEquals(1, calls.get());
        }
    }

    @Test
    void warningsAreLoggedOncePerIntervalPerWhatButListenersHearEveryOne()
    {
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k", WARN_INTERVAL_PROP_NAME, "1h");
             CapturedLog log = new CapturedLog())
        {
            final AtomicLong heard = new AtomicLong();
            guard.addListener(event -> heard.incrementAndGet());
            for (int i = 0; i < 5; i++)
            {
                guard.check(2048, "resize A");
            }
            guard.check(2048, "resize B");
            assertEquals(6, heard.get());
            assertEquals(6, guard.warnings());
            final List<String> warnings = log.warnings();
            assertEquals(2, warnings.size(), warnings::toString);
            assertTrue(warnings.get(0).contains("[resize A]"));
            assertTrue(warnings.get(1).contains("[resize B]"));
        }
    }

    @Test
    void afterTheIntervalTheNextWarningIsLoggedWithTheCountSuppressed() throws InterruptedException
    {
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k", WARN_INTERVAL_PROP_NAME, "50ms");
             CapturedLog log = new CapturedLog())
        {
            guard.check(2048, "resize");
            guard.check(2048, "resize");
            guard.check(2048, "resize");
            // Only a lower bound on time: sleeping at least the interval guarantees it has passed.
            Thread.sleep(200);
            guard.check(2048, "resize");
            final List<String> warnings = log.warnings();
            assertTrue(warnings.size() >= 2, warnings::toString);
            assertTrue(warnings.get(warnings.size() - 1).contains("(2 more for [resize] since the last one logged.)"),
                warnings::toString);
        }
    }

    @Test
    void aZeroIntervalLogsEveryWarning()
    {
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k", WARN_INTERVAL_PROP_NAME, "0s");
             CapturedLog log = new CapturedLog())
        {
            for (int i = 0; i < 3; i++)
            {
                guard.check(2048, "resize");
            }
            assertEquals(3, log.warnings().size());
        }
    }

    @Test
    void changingTheModeAtRunTimeChangesTheNextDecision()
    {
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1k"))
        {
            guard.check(2048, "x");
            guard.reconfigure(properties(MODE_PROP_NAME, "block"));
            assertThrows(AllocationBlockedException.class, () -> guard.check(2048, "x"));
            guard.reconfigure(properties(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "2k"));
            guard.check(2048, "x");
            assertEquals(1, guard.warnings());
            assertEquals(1, guard.blocks());
            assertEquals(3, guard.checks());
        }
    }

    @Test
    void concurrentReservationsNeverExceedTheLimitAndBalanceToZero() throws InterruptedException
    {
        final long limit = 1 << 20;
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block", TOTAL_LIMIT_PROP_NAME, Long.toString(limit)))
        {
            final AtomicLong maxSeen = new AtomicLong();
            final AtomicLong blocked = new AtomicLong();
            final int threads = 4;
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final long seed = t;
                final Thread worker = new Thread(() ->
                {
                    final SplittableRandom random = new SplittableRandom(seed);
                    final long[] held = new long[16];
                    try
                    {
                        start.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                    for (int i = 0; i < 20_000; i++)
                    {
                        final int slot = random.nextInt(held.length);
                        if (held[slot] != 0)
                        {
                            guard.release(held[slot]);
                            held[slot] = 0;
                            continue;
                        }
                        final long bytes = 1 + random.nextInt(64 << 10);
                        try
                        {
                            guard.reserve(bytes, "worker");
                            held[slot] = bytes;
                            maxSeen.accumulateAndGet(guard.reservedBytes(), Math::max);
                        }
                        catch (final AllocationBlockedException ex)
                        {
                            blocked.incrementAndGet();
                        }
                    }
                    for (final long bytes : held)
                    {
                        guard.release(bytes);
                    }
                });
                worker.start();
                workers.add(worker);
            }
            start.countDown();
            for (final Thread worker : workers)
            {
                worker.join();
            }
            assertEquals(0, guard.reservedBytes());
            assertTrue(maxSeen.get() <= limit, "reserved " + maxSeen.get() + " > limit " + limit);
            assertTrue(blocked.get() > 0, "the test must reach the limit to test it");
            assertEquals(blocked.get(), guard.blocks());
        }
    }
}

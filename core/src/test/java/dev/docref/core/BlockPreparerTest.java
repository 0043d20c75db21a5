package dev.docref.core;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link BlockPreparer} thread: it keeps a growing map's reserve full without any put doing that work, a map
 * closed while its block is being prepared frees every block, and a failing preparation leaves the map correct.
 */
class BlockPreparerTest
{
    @ParameterizedTest
    @EnumSource(Concurrency.class)
    void aGrowingMapsBlocksArePreparedOffThePutPath(final Concurrency concurrency) throws InterruptedException
    {
        final Map<Long, Long> model = new HashMap<>();
        try (PresizedDocRefMap map = PresizedDocRefMap.builder().concurrency(concurrency).segmentBytes(1024)
            .hashSeed(5).prepareOnThread(true).build())
        {
            final SplittableRandom random = new SplittableRandom(11);
            int segments = map.segmentCount();
            boolean settled = false;
            int checked = 0;
            for (int i = 0; i < 50_000; i++)
            {
                final long key = random.nextLong();
                map.put(key, i);
                model.put(key, (long)i);
                if (map.segmentCount() != segments)
                {
                    // Give the thread the time it needs, so that it keeps up and puts never have to help.
                    segments = map.segmentCount();
                    assertTrue(BlockPreparer.awaitIdle(10_000), "the preparer went idle");
                }
                final BlockReserve reserve = map.reserve();
                if (settled)
                {
                    assertEquals(0, reserve.pendingWork(), "no put is asked to prepare a block");
                    checked++;
                }
                else
                {
                    // The first split finds the reserve empty, so puts help with its first block.
                    settled = reserve.pendingWork() == 0 && reserve.readyCount() >= BlockReserve.HELP_BELOW;
                }
            }
            assertTrue(checked > 45_000, "checked after the first split's block: " + checked);
            assertTrue(map.segmentCount() > 1_000, "the map grew by splitting: " + map.segmentCount());
            assertTrue(BlockPreparer.awaitIdle(10_000), "the preparer went idle");
            // The thread-safe map also keeps every retired block until close, so it may hold more.
            assertTrue(map.reserve().readyCount() >= BlockReserve.READY_BLOCKS,
                "the reserve is full again: " + map.reserve().readyCount());
            PresizedDocRefMapModelTest.assertSameContents(map, model);
        }
        final Thread preparer = Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> BlockPreparer.THREAD_NAME.equals(thread.getName())).findFirst().orElseThrow();
        assertTrue(preparer.isDaemon(), "the preparer never keeps the JVM alive");
        // Whichever test's put started it, it holds no class loader of theirs (DaemonThreadsTest checks the rest).
        assertNull(preparer.getContextClassLoader(), "the preparer keeps no application class loader");
    }

    /**
     * While the thread is stuck (here in another map's slow allocation), a growing map's puts take over preparation
     * once its reserve runs low, rather than leaving every split to fault in a whole block.
     */
    @Test
    void putsHelpWhileTheThreadFallsBehind() throws InterruptedException
    {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final NativeMemory.RawAllocator stuck = new NativeMemory.RawAllocator()
        {
            public long allocate(final long bytes, final boolean zeroed)
            {
                if (BlockPreparer.THREAD_NAME.equals(Thread.currentThread().getName()))
                {
                    inside.countDown();
                    try
                    {
                        release.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
                return NativeMemory.OFF_HEAP.allocate(bytes, zeroed);
            }

            public void free(final long address)
            {
                NativeMemory.OFF_HEAP.free(address);
            }
        };
        final Map<Long, Long> model = new HashMap<>();
        try (PresizedDocRefMap blocker = PresizedDocRefMap.builder().segmentBytes(1024).hashSeed(1)
                .rawAllocator(stuck).prepareOnThread(true).build();
            PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(1024).hashSeed(2)
                .prepareOnThread(true).build())
        {
            try
            {
                final SplittableRandom random = new SplittableRandom(17);
                for (int i = 0; inside.getCount() > 0; i++)
                {
                    assertTrue(i < 1_000_000, "the thread started preparing a block for the first map");
                    blocker.put(random.nextLong(), i);
                    if (i % 1_000 == 999)
                    {
                        inside.await(10, TimeUnit.MILLISECONDS);
                    }
                }
                boolean helped = false;
                for (int i = 0; i < 20_000; i++)
                {
                    final long key = random.nextLong();
                    map.put(key, i);
                    model.put(key, (long)i);
                    helped |= map.reserve().pendingWork() != 0;
                }
                assertTrue(map.segmentCount() > 100, "the map grew by splitting: " + map.segmentCount());
                assertTrue(helped, "puts prepared blocks while the thread was stuck");
                PresizedDocRefMapModelTest.assertSameContents(map, model);
            }
            finally
            {
                release.countDown();
            }
        }
    }

    @Test
    void onPutsTheReserveIsPreparedOnePageAtATime()
    {
        try (PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(1024).hashSeed(5)
            .prepareOnThread(false).build())
        {
            final SplittableRandom random = new SplittableRandom(11);
            boolean sawWork = false;
            for (int i = 0; i < 20_000; i++)
            {
                map.put(random.nextLong(), i);
                sawWork |= map.reserve().pendingWork() != 0;
            }
            assertTrue(sawWork, "puts carried the preparation");
        }
    }

    /**
     * The races the pin guards against. Even rounds close the map while the preparer is inside {@code malloc}
     * (slowed here to 10 ms): without waiting for it, close would free every block it knows and the preparer would
     * then touch a freed block. Odd rounds close at once, so the preparer usually comes to the map's request after
     * close: without the pin's check it would allocate a block that nobody frees.
     */
    @Test
    void aMapClosedWhileItsBlockIsPreparedFreesEveryBlock() throws InterruptedException
    {
        final SlowPreparerAllocator allocator = new SlowPreparerAllocator();
        final SplittableRandom random = new SplittableRandom(3);
        int closedDuringAllocation = 0;
        for (int round = 0; round < 40; round++)
        {
            final PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(1024).hashSeed(round)
                .rawAllocator(allocator).prepareOnThread(true).build();
            final int entered = allocator.preparerAllocations();
            while (map.segmentCount() < 4)
            {
                map.put(random.nextLong(), round);
            }
            if (round % 2 == 0)
            {
                final long deadline = System.nanoTime() + 5_000_000_000L;
                while (allocator.preparerAllocations() == entered && System.nanoTime() < deadline)
                {
                    Thread.onSpinWait();
                }
                closedDuringAllocation += allocator.preparerInside() ? 1 : 0;
            }
            map.close();
            assertEquals(0, allocator.liveBlocks(), "round " + round + ": close freed every block");
        }
        assertTrue(BlockPreparer.awaitIdle(10_000), "the preparer went idle");
        assertEquals(0, allocator.liveBlocks(), "nothing was allocated for a closed map");
        assertTrue(closedDuringAllocation > 0, "some map closed while the preparer was allocating for it");
    }

    @Test
    void aFailingPreparationLeavesTheMapCorrect() throws InterruptedException
    {
        final PresizedDocRefMapTest.FaultyAllocator allocator = new PresizedDocRefMapTest.FaultyAllocator();
        final Map<Long, Long> model = new HashMap<>();
        try (PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(1024).hashSeed(7)
            .rawAllocator(allocator).prepareOnThread(true).build())
        {
            final SplittableRandom random = new SplittableRandom(13);
            for (int i = 0; i < 20_000; i++)
            {
                // Every third allocation fails, the preparer's and the splits' alike.
                allocator.failEvery = 3;
                final long key = random.nextLong();
                try
                {
                    map.put(key, i);
                    model.put(key, (long)i);
                }
                catch (final OutOfMemoryError ex)
                {
                    assertTrue(ex.getMessage().contains("the map is unchanged"), ex.getMessage());
                }
            }
            allocator.failEvery = 0;
            assertTrue(BlockPreparer.awaitIdle(10_000), "the preparer went idle");
            PresizedDocRefMapModelTest.assertSameContents(map, model);
        }
        assertEquals(0, allocator.liveBlocks(), "close freed every block");
    }

    @Test
    void thePropertyIsOnOrOff()
    {
        final String before = System.getProperty(BlockPreparer.PROP_NAME);
        try
        {
            System.clearProperty(BlockPreparer.PROP_NAME);
            assertTrue(BlockPreparer.enabledByProperty(), "on by default");
            System.setProperty(BlockPreparer.PROP_NAME, " OFF ");
            assertFalse(BlockPreparer.enabledByProperty());
            System.setProperty(BlockPreparer.PROP_NAME, "on");
            assertTrue(BlockPreparer.enabledByProperty());
            System.setProperty(BlockPreparer.PROP_NAME, "background");
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                BlockPreparer::enabledByProperty);
            assertTrue(ex.getMessage().startsWith("docref.prepare.thread = \"background\" is not a valid value; " +
                "accepted: one of on, off (case-insensitive); on, the default, prepares"), ex.getMessage());
            final IllegalArgumentException fromBuild = assertThrows(IllegalArgumentException.class,
                () -> PresizedDocRefMap.builder().build());
            assertEquals(ex.getMessage(), fromBuild.getMessage(), "build() refuses it too");
        }
        finally
        {
            if (before == null)
            {
                System.clearProperty(BlockPreparer.PROP_NAME);
            }
            else
            {
                System.setProperty(BlockPreparer.PROP_NAME, before);
            }
        }
    }

    /** Real off-heap blocks, counted; the preparer's allocations take 10 ms, as a slow {@code malloc} can. */
    private static final class SlowPreparerAllocator implements NativeMemory.RawAllocator
    {
        private final PresizedDocRefMapTest.FaultyAllocator counted = new PresizedDocRefMapTest.FaultyAllocator();
        private volatile int preparerAllocations;
        private volatile boolean preparerInside;

        public long allocate(final long bytes, final boolean zeroed)
        {
            if (BlockPreparer.THREAD_NAME.equals(Thread.currentThread().getName()))
            {
                preparerInside = true;
                preparerAllocations++;
                try
                {
                    Thread.sleep(10);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                preparerInside = false;
            }
            return counted.allocate(bytes, zeroed);
        }

        public void free(final long address)
        {
            counted.free(address);
        }

        int liveBlocks()
        {
            return counted.liveBlocks();
        }

        /** Allocations the preparer has entered (only it writes this). */
        int preparerAllocations()
        {
            return preparerAllocations;
        }

        boolean preparerInside()
        {
            return preparerInside;
        }
    }
}

package dev.docref.core;

/**
 * Segment blocks kept ready so that a split never waits for the operating system.
 * <p>
 * A split needs two blocks. Faulting in a fresh 128 KiB block costs 32 page faults: on the Intel Xeon reference
 * machine about 50-100 us typically and up to 1 ms at the tail, on the AMD EPYC machine 13 us per page on average
 * with one page in 5,000 over 1 ms (worst 15-21 ms), and a {@code malloc} of it occasionally 0.5-24 ms. So once the
 * map grows by splitting, the reserve keeps up to {@link #READY_BLOCKS} blocks allocated and touched ahead of need.
 * By default the {@link BlockPreparer} thread does that work ({@link #prepareOne()}, a whole block at a time, outside
 * the reserve's lock), and puts help only while fewer than {@link #HELP_BELOW} blocks are ready; with
 * {@code docref.prepare.thread=off} ordinary puts do all of it in small steps ({@link #step()}: one allocation, or
 * one 4 KiB page touched, per inserting put). The retired parent of each split joins the reserve too, so a split
 * consumes two blocks, returns one, and the thread (or the puts between splits) replaces the other.
 * <p>
 * Why a reserve of 4 and not 1: splits during growth arrive like a Poisson process. Measured growing to 20M keys,
 * 10% of splits came within 32 puts of the previous one, too soon for a single prepared block touched one page per
 * put; 4 ready blocks absorb such bursts.
 * <p>
 * Blocks in the reserve have undefined content: a split writes every slot of its children, and the depth-0 grow asks
 * for a zeroed block. All reserve blocks are counted in the map's {@code offHeapBytes()}.
 * <p>
 * <b>Memory safety under concurrency.</b> In a thread-safe map a reader may still be reading a segment that a split
 * has just replaced, so a retired block is never freed while the map is open: it stays in the reserve (beyond
 * {@link #READY_BLOCKS} if need be) until a later split reuses it, and a reader that then reads the new contents
 * fails its seqlock validation. Only the single-threaded map frees blocks the reserve has no room for.
 * <p>
 * <b>Thread-safety:</b> thread-safe: every method but {@link #pendingWork()} locks the reserve; splits and
 * preparation steps are rare enough (one step per inserting put only while work is pending) that the lock is not
 * contended in practice. The preparer thread holds the lock only to pick its work and to hand the block over, never
 * while it allocates or touches. <b>Ownership:</b> every block is owned by the map's {@link NativeMemory}, which
 * frees whatever the reserve still holds when the map closes; the preparer pins that memory
 * ({@link NativeMemory#pin()}) while it touches a block, so a map closed meanwhile frees it only afterwards.
 */
final class BlockReserve
{
    /** Ready blocks kept at most. */
    static final int READY_BLOCKS = 4;
    /**
     * With the {@link BlockPreparer} thread, puts help (one step each, as without it) while fewer blocks than this
     * are ready: in a wave of splits the thread alone falls behind, since a block's page faults take it as long as
     * they would take the writer, and a split that finds the reserve empty faults in a whole block at once.
     */
    static final int HELP_BELOW = 3;
    /** Bytes touched per step: one page. */
    private static final long STEP_BYTES = 4096;
    /** Value of {@link #pendingWork} when the next step should allocate a block. */
    private static final long ALLOCATE_NEXT = Long.MAX_VALUE;

    private final NativeMemory memory;
    /** Thread-safe map: never free a retired block while the map is open. */
    private final boolean keepRetired;
    /** Blocks are prepared by the {@link BlockPreparer} thread rather than on puts. */
    private final boolean background;
    /** Background: this reserve is in the preparer's queue. */
    private boolean queued;
    /** Background: the preparer is allocating or touching a block for this reserve, outside the lock. */
    private boolean preparingElsewhere;
    private long[] ready = new long[READY_BLOCKS];
    private int readyCount;
    private int retiredElsewhere;
    /** Capacity, in home slots, of every block in the reserve; 0 before the map first splits. */
    private int capacity;
    private long bytes;
    /** The block being touched page by page, or 0. */
    private long preparing;
    /**
     * Work left for {@link #step()}: bytes of {@link #preparing} still to touch, {@link #ALLOCATE_NEXT}, or 0 for
     * none. The put path reads only this field, without the lock.
     */
    private volatile long pendingWork;

    BlockReserve(final NativeMemory memory, final boolean keepRetired, final boolean background)
    {
        this.memory = memory;
        this.keepRetired = keepRetired;
        this.background = background;
    }

    /** Whether {@link #step()} has work: a racy read, which at worst delays or repeats a harmless check. */
    long pendingWork()
    {
        return pendingWork;
    }

    /**
     * A block for a segment of {@code capacity} home slots: from the reserve when it has one of that size, else
     * allocated now.
     *
     * @param zeroed whether the caller needs it zeroed (a split does not: it writes every slot).
     */
    synchronized long take(final int capacity, final boolean zeroed, final NativeMemory.Purpose purpose,
        final Object context)
    {
        final long blockBytes = Segment.bytesFor(capacity);
        long address = 0;
        if (capacity == this.capacity)
        {
            if (readyCount > 0)
            {
                address = ready[--readyCount];
                ready[readyCount] = 0;
            }
            else if (preparing != 0)
            {
                // The split came before the block was fully touched: touch the rest now.
                address = preparing;
                preparing = 0;
                if (pendingWork != ALLOCATE_NEXT && pendingWork > 0)
                {
                    touch(address + blockBytes - pendingWork, pendingWork);
                }
                pendingWork = 0;
            }
        }
        if (address == 0)
        {
            return memory.allocate(blockBytes, true, purpose, context);
        }
        if (zeroed)
        {
            OffHeap.zero(address, blockBytes);
        }
        want();
        return address;
    }

    /** Take back a block no segment uses any more: keep it if the reserve has room, else free it. */
    synchronized void retire(final long address, final int capacity)
    {
        if (capacity == this.capacity && (readyCount < READY_BLOCKS || keepRetired))
        {
            push(address);
        }
        else if (keepRetired)
        {
            // A block of another size (a small map's grow): never reused, freed when the map closes.
            retiredElsewhere++;
        }
        else
        {
            memory.free(address);
        }
        want();
    }

    private void push(final long address)
    {
        if (readyCount == ready.length)
        {
            ready = java.util.Arrays.copyOf(ready, ready.length * 2);
        }
        ready[readyCount++] = address;
    }

    /**
     * Start (or keep) preparing blocks of {@code capacity} home slots; the map calls this once it grows by
     * splitting. Blocks of another size are freed.
     */
    synchronized void prepareFor(final int capacity)
    {
        if (capacity != this.capacity)
        {
            while (readyCount > 0)
            {
                final long address = ready[--readyCount];
                ready[readyCount] = 0;
                if (keepRetired)
                {
                    retiredElsewhere++;
                }
                else
                {
                    memory.free(address);
                }
            }
            if (preparing != 0)
            {
                // Never published to readers, so safe to free in either mode.
                memory.free(preparing);
                preparing = 0;
            }
            pendingWork = 0;
            this.capacity = capacity;
            this.bytes = Segment.bytesFor(capacity);
        }
        want();
    }

    /** One step of preparation: allocate the next block, or touch one page of it. Never throws. */
    synchronized void step()
    {
        if (pendingWork == ALLOCATE_NEXT)
        {
            try
            {
                preparing = memory.allocate(bytes, false, NativeMemory.Purpose.RESERVE, "reserve");
                pendingWork = bytes;
            }
            catch (final RuntimeException | OutOfMemoryError ex)
            {
                // The put that called this has succeeded; the split that needs the block will allocate, and report
                // a failure, itself.
                pendingWork = 0;
            }
            return;
        }
        final long step = Math.min(STEP_BYTES, pendingWork);
        if (preparing == 0 || step <= 0)
        {
            return;
        }
        touch(preparing + bytes - pendingWork, step);
        pendingWork -= step;
        if (pendingWork == 0)
        {
            push(preparing);
            preparing = 0;
            want();
        }
    }

    /**
     * On the {@link BlockPreparer} thread: allocate and touch one block, outside the lock, and add it to the reserve.
     * Does nothing when the reserve wants no block (any more) or the map's memory is already freed. Never throws for
     * a failed allocation: the next split allocates, and reports a failure, itself, and asks again.
     */
    void prepareOne()
    {
        final long blockBytes;
        final int blockCapacity;
        synchronized (this)
        {
            queued = false;
            if (capacity == 0 || preparingElsewhere || readyCount >= READY_BLOCKS)
            {
                return;
            }
            blockBytes = bytes;
            blockCapacity = capacity;
            preparingElsewhere = true;
        }
        if (!memory.pin())
        {
            synchronized (this)
            {
                preparingElsewhere = false;
            }
            return;
        }
        long address = 0;
        try
        {
            try
            {
                address = memory.allocate(blockBytes, false, NativeMemory.Purpose.RESERVE, "reserve");
                touch(address, blockBytes);
            }
            catch (final RuntimeException | OutOfMemoryError ex)
            {
                address = 0;
            }
            synchronized (this)
            {
                preparingElsewhere = false;
                if (address != 0)
                {
                    if (blockCapacity == capacity)
                    {
                        push(address);
                    }
                    else
                    {
                        // The reserve changed size meanwhile; never published to readers, so safe to free.
                        memory.free(address);
                    }
                    want();
                }
            }
        }
        finally
        {
            memory.unpin();
        }
    }

    synchronized int readyCount()
    {
        return readyCount;
    }

    /** Thread-safe map: blocks of another size kept, unused, until close (bounded by one small map's grows). */
    synchronized int retiredElsewhere()
    {
        return retiredElsewhere;
    }

    private void want()
    {
        if (capacity == 0)
        {
            return;
        }
        if (!background)
        {
            if (readyCount < READY_BLOCKS && preparing == 0)
            {
                pendingWork = ALLOCATE_NEXT;
            }
            return;
        }
        if (readyCount < READY_BLOCKS && !queued && !preparingElsewhere)
        {
            queued = true;
            BlockPreparer.submit(this);
        }
        if (preparing == 0)
        {
            // Puts help only while the reserve is low; a block they have started they finish.
            pendingWork = readyCount < HELP_BELOW ? ALLOCATE_NEXT : 0;
        }
    }

    /** Fault in the pages of a range by writing one word per page; the content stays undefined. */
    private static void touch(final long address, final long length)
    {
        for (long offset = 0; offset < length; offset += STEP_BYTES)
        {
            OffHeap.putLong(address + offset, 0L);
        }
    }
}

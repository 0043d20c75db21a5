package dev.docref.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One bounded open-addressing table of the map: a native block of 16-byte slots, probed with Robin Hood linear
 * probing in windows of 8 slots, and deleted from by backward shift, so there are no tombstones.
 * <p>
 * <b>Slot layout.</b> Slot {@code i} lives at {@code address + 16 * i} and holds two words:
 * <pre>
 *   +0  mixed key   Hashing.mix(key, seed), a bijection, so the key is recovered by Hashing.unmix
 *   +8  stored      docRef ^ missingValue; 0 means the slot is empty
 * </pre>
 * Storing {@code docRef ^ missingValue} makes a zeroed block an empty table (no fill pass with a sentinel) and turns
 * a miss into {@code 0 ^ missingValue == missingValue} with no branch. A docRef equal to {@code missingValue} is
 * rejected by the map, so an occupied slot never stores 0. A slot is 16-byte aligned and never straddles a cache
 * line, so key and value arrive together where maps with separate key and value arrays fetch two lines.
 * <p>
 * <b>Block layout.</b> {@code capacity} home slots, then a tail of {@link #tailFor(int)} overflow slots (at most 64)
 * that entries homed near the end spill into, then {@link #GUARD} guard slots that always stay empty. Probing never
 * wraps around: no index arithmetic modulo the capacity anywhere, and the first-window read never leaves the block.
 * An insert that would spill past the tail reports the segment full, and the map splits it. At the highest fill
 * docref allows (15/16) a default segment's random fills spilled 5 slots past the last home slot at the median and
 * 63 or fewer in 99.99% of them, and 7.85 x 10^-5 of them past the 64-slot tail; at the fill limit (7/8) none of
 * 10,000,000 did (bench's {@code SpillSimulation}, {@code bench/results/2026-12-01-spill-simulation.md}).
 * <p>
 * <b>Home slot.</b> The home of mixed key {@code h} is {@code (low32(h) * capacity) >>> 32} (Lemire's fast range),
 * so capacity need not be a power of two and a pre-sized map wastes no more than its statistical slack. The
 * directory uses the top bits of {@code h}, so the two choices are independent.
 * <p>
 * <b>Robin Hood invariant.</b> Entries are sorted by home slot: along the block, homes never decrease. So a lookup
 * stops at the first slot that is empty or holds a key homed after its own, an insert goes exactly there (the run up
 * to the next empty slot moves one slot right, in the same pass that finds that slot), and a remove moves the
 * displaced part of the run one slot left.
 * <p>
 * <b>Why the first 4 slots are compared branch-free.</b> See {@link #find(long)}: a lookup whose few instructions
 * waiting on memory are predicted right lets the CPU overlap many lookups' cache misses; a slot-at-a-time loop at
 * high fill mispredicts and serialises them.
 * <p>
 * <b>Thread-safety:</b> slot reads are safe alongside writers when bracketed by {@link #versionAcquire()} and
 * {@link #validate(long)}; slot writes need {@link #lock()} and {@link #beginWrite()}/{@link #endWrite()} (the
 * single-threaded map skips both). A reader that reads a retired segment whose block is being reused reads garbage,
 * always inside the block (the reader's scan stops at the segment's limit, and its first window ends before the
 * guard slots end), and discards it when validation fails. A writer's search needs no bound: a live segment's guard
 * slots are always empty. <b>Ownership:</b> the block belongs to the map's
 * {@link NativeMemory}; a segment never frees it.
 */
final class Segment
{
    /** {@link #version} of a segment that a split or grow replaced: odd, so no reader validates against it. */
    static final long RETIRED = -1L;

    private static final VarHandle VERSION;
    private static final VarHandle LOCK;
    private static final VarHandle COUNT;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            VERSION = lookup.findVarHandle(Segment.class, "version", long.class);
            LOCK = lookup.findVarHandle(Segment.class, "lock", int.class);
            COUNT = lookup.findVarHandle(Segment.class, "count", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    static final int SLOT_BYTES = 16;
    static final int SLOT_SHIFT = 4;
    /** Always-empty guard slots at the end of the block: a probe window never reads past them. */
    static final int GUARD = 8;
    /** Slots a lookup compares branch-free before scanning. */
    static final int FIRST_WINDOW = 4;
    /** Runs up to this many slots move word by word rather than by {@code Unsafe.copyMemory}. */
    private static final int SHORT_MOVE_SLOTS = 16;
    private static final int VALUE_OFFSET = 8;
    /** The longest tail: a segment of 512 home slots or more has it. */
    static final int MAX_TAIL = 64;
    /** Spins of {@link #backOff(int)} before it yields: about 10 us of {@code onSpinWait}. */
    private static final int SPINS_BEFORE_YIELD = 256;

    final long address;
    /** Home slots: every key's home is in {@code [0, capacity)}. */
    final int capacity;
    /** First position an entry may not occupy: {@code capacity + tail}. Slots from here on are always empty. */
    final int limit;
    /** The fill limit: inserting a new key into a segment holding this many entries first grows the map. */
    final int maxEntries;
    /** How many leading bits of the mixed key every entry of this segment shares (extendible hashing). */
    final int localDepth;
    /** Pages of the map's {@link PageArena} this segment's block occupies, or 0 when the block was allocated alone. */
    final int pages;
    /** While this segment is being filled ({@link #fillFrom}, {@link #splitFill}): the largest home written so far. */
    private int fillHome;
    /** Entries in this segment. Written only under the segment's lock; read racily by {@code size()}. */
    int count;
    /**
     * Seqlock stamp: even while the slots are stable, odd while a writer changes them, {@link #RETIRED} once the
     * segment is replaced. Readers read it with acquire before reading slots and again after an acquire fence.
     */
    private volatile long version;
    /** Writer lock: 0 free, 1 held. Only the thread-safe map uses it. */
    private volatile int lock;

    Segment(final long address, final int capacity, final int maxEntries, final int localDepth)
    {
        this(address, capacity, maxEntries, localDepth, 0);
    }

    Segment(final long address, final int capacity, final int maxEntries, final int localDepth, final int pages)
    {
        // What find's unchecked window relies on: a home is in [0, capacity), and its window of FIRST_WINDOW slots
        // then ends before capacity + GUARD <= limit, so a capacity that is not negative and leaves room for the tail
        // and guard keeps every window inside the block.
        if (capacity < 0 || capacity > Integer.MAX_VALUE - MAX_TAIL - GUARD)
        {
            throw new IllegalStateException("docref internal error: segment capacity " + capacity + " outside [0, " +
                (Integer.MAX_VALUE - MAX_TAIL - GUARD) + "]");
        }
        this.address = address;
        this.capacity = capacity;
        this.limit = capacity + tailFor(capacity);
        this.maxEntries = maxEntries;
        this.localDepth = localDepth;
        this.pages = pages;
    }

    /** Overflow slots after the home slots: an eighth of the capacity, from 8 to 64. */
    static int tailFor(final int capacity)
    {
        return Math.min(MAX_TAIL, Math.max(GUARD, capacity >>> 3));
    }

    /** All slots of a block: home slots, tail and guard. */
    static int slotsFor(final int capacity)
    {
        return capacity + tailFor(capacity) + GUARD;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Concurrency: the seqlock and the writer lock. The scheme is described in package-info.java and concurrency.md.
    // ------------------------------------------------------------------------------------------------------------

    /** The stamp to validate a read against: even and not {@link #RETIRED} means the slots may be read. */
    long versionAcquire()
    {
        return (long)VERSION.getAcquire(this);
    }

    /** Whether the slots read since {@code stamp} was taken were stable: call after the reads. */
    boolean validate(final long stamp)
    {
        VarHandle.acquireFence();
        return (long)VERSION.getOpaque(this) == stamp;
    }

    /** Mark the slots as changing: makes the stamp odd before any slot is written. Holder of the lock only. */
    void beginWrite()
    {
        VERSION.setOpaque(this, (long)VERSION.getOpaque(this) + 1);
        VarHandle.storeStoreFence();
    }

    /** Publish the changed slots: makes the stamp even again, releasing every slot write before it. */
    void endWrite()
    {
        VERSION.setRelease(this, (long)VERSION.getOpaque(this) + 1);
    }

    /**
     * Mark this segment replaced. After this no reader validates a read of it, so its block may be reused: every
     * write to the block by its next owner comes after this store.
     */
    void retire()
    {
        VERSION.setVolatile(this, RETIRED);
    }

    boolean isRetired()
    {
        return (long)VERSION.getAcquire(this) == RETIRED;
    }

    /** Take the writer lock, spinning briefly and then yielding: it is held for one put, or one split (~0.3 ms). */
    void lock()
    {
        int spins = 0;
        while (!LOCK.compareAndSet(this, 0, 1))
        {
            spins = backOff(spins);
        }
    }

    /**
     * Wait a little for another thread: spin for the first {@link #SPINS_BEFORE_YIELD} calls, then yield on every
     * call. A writer holds a segment for about 100 ns, but on a machine with fewer cores than busy threads it may be
     * descheduled mid-write; yielding gives it the core back instead of spinning out a whole time slice.
     *
     * @param spins how many times the caller has waited so far.
     * @return {@code spins + 1}.
     */
    static int backOff(final int spins)
    {
        if (spins < SPINS_BEFORE_YIELD)
        {
            Thread.onSpinWait();
        }
        else
        {
            Thread.yield();
        }
        return spins + 1;
    }

    boolean tryLock()
    {
        return LOCK.compareAndSet(this, 0, 1);
    }

    void unlock()
    {
        LOCK.setRelease(this, 0);
    }

    boolean isLocked()
    {
        return (int)LOCK.getOpaque(this) != 0;
    }

    int countOpaque()
    {
        return (int)COUNT.getOpaque(this);
    }

    static long bytesFor(final int capacity)
    {
        return (long)slotsFor(capacity) << SLOT_SHIFT;
    }

    static int home(final long h, final int capacity)
    {
        return (int)(((h & 0xFFFF_FFFFL) * capacity) >>> 32);
    }

    private long slotAddress(final int index)
    {
        if (OffHeap.SHOULD_BOUNDS_CHECK && (index < 0 || index >= limit + GUARD))
        {
            throw new IndexOutOfBoundsException("docref internal error: slot " + index + " outside segment of " +
                (limit + GUARD) + " slots");
        }
        return address + ((long)index << SLOT_SHIFT);
    }

    /**
     * The address of slot {@code home}, the first of a key's first window, where {@code home} must come from
     * {@link #home(long, int)} with this segment's capacity. Not bounds-checked, even with bounds checks on, because
     * it cannot be out of bounds: a home is below the capacity for every mixed key, and the constructor refuses a
     * capacity whose last window would not end within the block. With bounds checks on (the default), checking here
     * and in {@link #scan} made a single-threaded get hit take 1.11x-1.15x the time at 10M entries, and a put into a
     * pre-sized map 1.07x-1.25x at 1M (see {@code design.md}, Failure and ownership).
     */
    private long homeAddress(final int home)
    {
        return address + ((long)home << SLOT_SHIFT);
    }

    long hashAt(final int index)
    {
        return OffHeap.getLong(slotAddress(index));
    }

    long storedAt(final int index)
    {
        return OffHeap.getLong(slotAddress(index) + VALUE_OFFSET);
    }

    void storeAt(final int index, final long stored)
    {
        OffHeap.putLong(slotAddress(index) + VALUE_OFFSET, stored);
    }

    private void writeSlot(final int index, final long h, final long stored)
    {
        final long slot = slotAddress(index);
        OffHeap.putLong(slot, h);
        OffHeap.putLong(slot + VALUE_OFFSET, stored);
    }

    /**
     * Look up a mixed key.
     * <p>
     * First the 4 slots from home are compared without a branch per slot, and a hit among them returns after one
     * branch; only then does the last of them tell whether an absent key could be any further on. At 7/8 fill 64% of
     * keys sit in those 4 slots (74% at 0.84) and most misses are decided there too, so the branches are mostly
     * predicted right, and the few instructions that wait on the memory load leave the CPU free to start the next
     * lookups. Only the rest go on to a slot-at-a-time scan. Measured on a 10M-entry table at 0.84 fill: 63 ns per
     * random hit this way, 154 ns with the scan alone and 93 ns with branch-free windows of 8. Returning a hit before
     * deciding the miss took hits from 43.8 to 38.1 ns at 1M entries and from 136.6 to 126.6 ns at 10M, misses
     * unchanged (45.3 and 43.5 ns; 135.8 and 138.8 ns; JMH, 2 forks each, one after the other); see
     * {@code design.md}.
     *
     * @return the stored word ({@code docRef ^ missingValue}), or 0 when absent.
     */
    long find(final long h)
    {
        final int capacity = this.capacity;
        final int home = home(h, capacity);
        final long slot = homeAddress(home);
        // The 4 slots of the first window, unrolled, selected with arithmetic masks (equalMask), not ?:. C2 compiles a
        // ?: select to a conditional move only while its profile says the comparison is unpredictable; once a slot's
        // hit rate falls below about 18% (BlockLayoutMinDiamondPercentage), which happens past about 85% fill, it
        // emits a branch on a value still in flight from memory, and each mispredict stalls the lookups behind it.
        // Measured (JMH, 2 forks each): get hit on 10M pre-sized entries 122 ns with masks against 234 ns with ?:
        // (142-218 ns in other runs), 40 against 49 ns at 1M; misses cost more, 129 against 109 ns at 10M and 45
        // against 37 ns at 1M, for the extra instructions. See bench/results/2026-11-29-equal-fill.md.
        final long stored0 = OffHeap.getLong(slot + VALUE_OFFSET);
        final long resident0 = OffHeap.getLong(slot);
        final long stored1 = OffHeap.getLong(slot + SLOT_BYTES + VALUE_OFFSET);
        final long resident1 = OffHeap.getLong(slot + SLOT_BYTES);
        final long stored2 = OffHeap.getLong(slot + 2 * SLOT_BYTES + VALUE_OFFSET);
        final long resident2 = OffHeap.getLong(slot + 2 * SLOT_BYTES);
        final long stored3 = OffHeap.getLong(slot + 3 * SLOT_BYTES + VALUE_OFFSET);
        final long resident3 = OffHeap.getLong(slot + 3 * SLOT_BYTES);
        // An empty slot stores 0, so a resident equal to h in an empty slot adds nothing.
        final long found = (stored0 & equalMask(resident0, h)) | (stored1 & equalMask(resident1, h)) |
            (stored2 & equalMask(resident2, h)) | (stored3 & equalMask(resident3, h));
        // A hit returns here, after as few instructions as possible that wait on the slots: what stays in flight
        // waiting for memory limits how many lookups the CPU overlaps. Deciding the miss (below) only after this
        // branch, rather than folding it into one combined test, cut hits by 7-13% (see find's javadoc).
        if (found != 0)
        {
            return found;
        }
        // Homes never decrease along the block and no entry sits after an empty slot it could have taken, so once a
        // slot is empty or holds a key homed after ours, every later one is too: the last slot of the window decides
        // whether the key can be further on. Computed as one mask, so that a miss takes one predictable branch here
        // rather than branching on whether slot 3 is empty, which at 7/8 fill is true one time in eight.
        final long stop = ~((stored3 | -stored3) >> 63) | (((long)home - home(resident3, capacity)) >> 63);
        if (stop != 0)
        {
            return 0;
        }
        return scan(h, home + FIRST_WINDOW, home);
    }

    /**
     * Load both ends of mixed key {@code h}'s first window (its home slot's resident and the last slot's stored word),
     * so that the one or two cache lines {@link #find(long)} reads first are on their way, and return the two words
     * xor-ed: the caller must use the result, or the JIT drops the loads. For {@code getAll}'s first pass; an
     * unvalidated read, so its result means nothing. It reads only words {@code find} reads, inside the block: on a
     * retired segment those are words of a block that stays allocated while the map is open (see the class comment).
     */
    long touchFirstWindow(final long h)
    {
        final long slot = homeAddress(home(h, capacity));
        return OffHeap.getLong(slot) ^ OffHeap.getLong(slot + (FIRST_WINDOW - 1) * SLOT_BYTES + VALUE_OFFSET);
    }

    /**
     * The reader's slot-at-a-time scan past the first window: the stored word for {@code h}, or 0. Unlike the
     * writer's {@link #search(long, int, int)} it stops at the limit rather than at the first guard slot: a stale
     * reader may be reading a block that the map's page arena ({@link Growth#COMPACT}) has handed to a segment of
     * another size, whose slots here need not be empty. A live segment's guard slots are always empty, so writers,
     * which only ever search the live segment they locked, skip the bound: it cost a growing put 5-8% at 10M (JMH).
     */
    private long scan(final long h, final int from, final int home)
    {
        final int capacity = this.capacity;
        final int limit = this.limit;
        for (int index = from; index < limit; index++)
        {
            // Not bounds-checked: the loop keeps index below the limit, inside the block (see homeAddress).
            final long slot = address + ((long)index << SLOT_SHIFT);
            final long stored = OffHeap.getLong(slot + VALUE_OFFSET);
            if (stored == 0)
            {
                return 0;
            }
            final long resident = OffHeap.getLong(slot);
            if (resident == h)
            {
                return stored;
            }
            if (home(resident, capacity) > home)
            {
                return 0;
            }
        }
        return 0;
    }

    /**
     * For a cursor, a cold path: the slot holding mixed key {@code h}, or -1 if it is absent. A reader's search: its
     * reads must be validated against the segment's stamp, and like {@link #scan} it stops at the limit.
     */
    int indexOf(final long h)
    {
        final int capacity = this.capacity;
        final int home = home(h, capacity);
        for (int index = home, limit = this.limit; index < limit; index++)
        {
            final long stored = storedAt(index);
            if (stored == 0)
            {
                return -1;
            }
            final long resident = hashAt(index);
            if (resident == h)
            {
                return index;
            }
            if (home(resident, capacity) > home)
            {
                return -1;
            }
        }
        return -1;
    }

    /**
     * All ones if {@code a == b}, else 0, computed without a comparison the JIT could turn into a branch: with
     * {@code x = a ^ b}, only {@code x == 0} has the sign bit set in both {@code ~x} and {@code x - 1} (x86 BMI1 does
     * the {@code ~x & y} in one {@code andn}).
     */
    static long equalMask(final long a, final long b)
    {
        final long x = a ^ b;
        return (~x & (x - 1)) >> 63;
    }

    /**
     * Where a mixed key is, or where it would be inserted.
     *
     * @return the slot index holding {@code h}, or {@code -(insertion index) - 1} when absent.
     */
    int search(final long h)
    {
        final int home = home(h, capacity);
        return search(h, home, home);
    }

    private int search(final long h, final int from, final int home)
    {
        final int capacity = this.capacity;
        for (int index = from; ; index++)
        {
            // Ends at the first guard slot at the latest: the caller holds this live segment's lock, and a live
            // segment's guard slots are always empty (see scan for the stale reader's bound).
            final long stored = storedAt(index);
            if (stored == 0)
            {
                return -index - 1;
            }
            final long resident = hashAt(index);
            if (resident == h)
            {
                return index;
            }
            if (home(resident, capacity) > home)
            {
                return -index - 1;
            }
        }
    }

    /**
     * Insert or update.
     *
     * @param h            mixed key.
     * @param stored       the word to store, never 0.
     * @param onlyIfAbsent leave an existing entry unchanged.
     * @return the previous stored word; or 0 when the key was absent, in which case it was inserted and
     * {@link #count} grew by one, unless the insert would have spilled past the tail, in which case nothing changed
     * and {@code count} did not grow: the caller must split this segment.
     */
    long put(final long h, final long stored, final boolean onlyIfAbsent)
    {
        final int home = home(h, capacity);
        final long slot = homeAddress(home);
        // An empty home slot takes the key: nothing sits past an empty slot it could have taken, so the key is not
        // further on, and the order holds. The store's address is then known before the slot's load returns, so the
        // CPU can start the next put's cache miss meanwhile; an ordered insert's store waits for its address.
        // Measured (JMH, 8 forks each, alternating): put into a pre-sized map at 1M 60.3 against 71.2 ns (fork
        // medians), put while growing to 10M 239.9 against 254.0 ns, the same at 10M pre-sized and 1M growing.
        if (OffHeap.getLong(slot + VALUE_OFFSET) == 0)
        {
            OffHeap.putLong(slot, h);
            OffHeap.putLong(slot + VALUE_OFFSET, stored);
            count++;
            return 0;
        }
        final int found = search(h, home, home);
        if (found >= 0)
        {
            final long previous = storedAt(found);
            if (!onlyIfAbsent)
            {
                storeAt(found, stored);
            }
            return previous;
        }
        insertAt(-found - 1, h, stored);
        return 0;
    }

    /** Insert a key known to be absent; returns false, changing nothing, if it would spill past the tail. */
    boolean insertAbsent(final long h, final long stored)
    {
        final int found = search(h);
        if (found >= 0)
        {
            throw new IllegalStateException("docref internal error: key present in a segment being filled");
        }
        return insertAt(-found - 1, h, stored);
    }

    /**
     * Put an entry at {@code index}, moving the run from there to the next empty slot one slot right, in one pass:
     * each slot takes the entry carried from the slot before it, until an empty slot takes the last one. If the run
     * reaches the limit, the pass is undone (a rare case: the segment is then split) and nothing has changed.
     * <p>
     * One pass rather than a scan for the empty slot and then a move: one loop exit to mispredict instead of two, and
     * each slot read once. Measured against the two loops (JMH, 8 forks each, builds alternating, median fork): put
     * into a pre-sized map 0.94x at 1M and 0.77x at 10M (whose forks are bimodal in both builds), put while growing
     * 0.94x at 1M and 0.90x at 10M. A run over 16 slots no longer moves by {@code Unsafe.copyMemory}; at docref's
     * fills such runs are rare.
     */
    private boolean insertAt(final int index, final long h, final long stored)
    {
        final int limit = this.limit;
        long carriedHash = h;
        long carriedStored = stored;
        for (int i = index; i < limit; i++)
        {
            final long residentStored = storedAt(i);
            final long resident = hashAt(i);
            writeSlot(i, carriedHash, carriedStored);
            if (residentStored == 0)
            {
                count++;
                return true;
            }
            carriedHash = resident;
            carriedStored = residentStored;
        }
        if (index < limit)
        {
            moveLeft(index + 1, limit);
            writeSlot(limit - 1, carriedHash, carriedStored);
        }
        return false;
    }

    /**
     * Move slots {@code [from, to)} one slot left. Short runs move word by word: {@code Unsafe.copyMemory} is a native
     * call whose fixed cost (tens of ns) exceeds copying a few slots.
     */
    private void moveLeft(final int from, final int to)
    {
        if (to - from > SHORT_MOVE_SLOTS)
        {
            final long source = slotAddress(from);
            slotAddress(to - 1);
            OffHeap.copy(source, source - SLOT_BYTES, (long)(to - from) << SLOT_SHIFT);
            return;
        }
        for (int i = from; i < to; i++)
        {
            final long source = slotAddress(i);
            final long target = source - SLOT_BYTES;
            OffHeap.putLong(target, OffHeap.getLong(source));
            OffHeap.putLong(target + VALUE_OFFSET, OffHeap.getLong(source + VALUE_OFFSET));
        }
    }

    /**
     * Remove a mixed key, moving the displaced entries after it one slot left (no tombstones).
     *
     * @return the removed stored word, or 0 when absent.
     */
    long remove(final long h)
    {
        final int found = search(h);
        if (found < 0)
        {
            return 0;
        }
        final long removed = storedAt(found);
        deleteAt(found);
        return removed;
    }

    /** Delete the entry at {@code index} by backward shift. */
    void deleteAt(final int index)
    {
        final int capacity = this.capacity;
        int end = index + 1;
        while (storedAt(end) != 0 && home(hashAt(end), capacity) < end)
        {
            end++;
        }
        if (end > index + 1)
        {
            moveLeft(index + 1, end);
        }
        writeSlot(end - 1, 0, 0);
        count--;
    }

    /**
     * Copy every entry into {@code low} or {@code high} by the mixed-key bit just below this segment's prefix. This
     * segment is only read, so it stays a complete, consistent table until it is retired.
     * <p>
     * Both children have this segment's capacity, so every entry keeps its home slot, and entries come in order of
     * home. So each child is written left to right: an entry goes to {@code max(home, child's next free slot)} with no
     * probing, which is never further right than it sat here, so it never spills past the tail. The children's
     * blocks may hold anything on entry: every slot of both is written, gaps with zeros, so no separate zeroing pass
     * is needed. A split is one sequential read of this segment and one sequential write of each child.
     */
    void splitInto(final Segment low, final Segment high)
    {
        final int capacity = this.capacity;
        if (low.capacity != capacity || high.capacity != capacity)
        {
            throw new IllegalStateException("docref internal error: split children must have the parent's capacity");
        }
        final int bit = 63 - localDepth;
        int lowNext = 0;
        int highNext = 0;
        int lows = 0;
        for (int position = 0, limit = this.limit; position < limit; position++)
        {
            final long stored = storedAt(position);
            if (stored != 0)
            {
                final long h = hashAt(position);
                final int home = home(h, capacity);
                if (((h >>> bit) & 1) == 0)
                {
                    lowNext = low.zeroUpTo(lowNext, home);
                    low.writeSlot(lowNext++, h, stored);
                    lows++;
                }
                else
                {
                    highNext = high.zeroUpTo(highNext, home);
                    high.writeSlot(highNext++, h, stored);
                }
            }
        }
        final int slots = slotsFor(capacity);
        low.zeroUpTo(lowNext, slots);
        high.zeroUpTo(highNext, slots);
        low.count = lows;
        high.count = count - lows;
    }

    /** Zero slots {@code [from, to)} if {@code to > from}; return {@code max(from, to)}. */
    private int zeroUpTo(final int from, final int to)
    {
        if (to <= from)
        {
            return from;
        }
        if (to - from > SHORT_MOVE_SLOTS)
        {
            slotAddress(to - 1);
            OffHeap.zero(slotAddress(from), (long)(to - from) << SLOT_SHIFT);
        }
        else
        {
            for (int i = from; i < to; i++)
            {
                writeSlot(i, 0, 0);
            }
        }
        return to;
    }

    /**
     * Copy every entry into a larger, empty segment of the same depth.
     *
     * @return false if an entry would spill past the target's tail (the caller then keeps this segment).
     */
    boolean copyInto(final Segment target)
    {
        for (int position = 0, limit = this.limit; position < limit; position++)
        {
            final long stored = storedAt(position);
            if (stored != 0 && !target.insertAbsent(hashAt(position), stored))
            {
                return false;
            }
        }
        return true;
    }

    /** Entries whose mixed-key bit {@code bit} is {@code value}: how many of them one child of a split takes. */
    int countWithBit(final int bit, final long value)
    {
        int n = 0;
        for (int position = 0, limit = this.limit; position < limit; position++)
        {
            if (storedAt(position) != 0 && ((hashAt(position) >>> bit) & 1) == value)
            {
                n++;
            }
        }
        return n;
    }

    /**
     * Fill this segment, whose block may hold anything, with every entry of {@code source}, writing every slot: a
     * grow into another size class. See {@link #append}.
     *
     * @return false if an entry would spill past the tail; this segment is then garbage and must not be published.
     */
    boolean fillFrom(final Segment source)
    {
        count = 0;
        int next = 0;
        fillHome = 0;
        for (int position = 0, end = source.limit; position < end && next >= 0; position++)
        {
            final long stored = source.storedAt(position);
            if (stored != 0)
            {
                next = append(source.hashAt(position), stored, next);
            }
        }
        return next >= 0 && finishFill(next, source.count);
    }

    /**
     * Fill {@code low} and {@code high}, whose blocks may hold anything and whose capacities may differ from this
     * segment's, with this segment's entries by the mixed-key bit just below its prefix, in one pass, writing every
     * slot of both: a split into size classes. See {@link #append}.
     *
     * @return false if an entry would spill past a child's tail; both are then garbage and must not be published.
     */
    boolean splitFill(final Segment low, final Segment high)
    {
        final int bit = 63 - localDepth;
        low.count = 0;
        high.count = 0;
        low.fillHome = 0;
        high.fillHome = 0;
        int lowNext = 0;
        int highNext = 0;
        for (int position = 0, end = limit; position < end && lowNext >= 0 && highNext >= 0; position++)
        {
            final long stored = storedAt(position);
            if (stored != 0)
            {
                final long h = hashAt(position);
                if (((h >>> bit) & 1) == 0)
                {
                    lowNext = low.append(h, stored, lowNext);
                }
                else
                {
                    highNext = high.append(h, stored, highNext);
                }
            }
        }
        return lowNext >= 0 && highNext >= 0 && low.finishFill(lowNext, -1) && high.finishFill(highNext, -1) &&
            low.count + high.count == count;
    }

    /**
     * Write one entry of a segment being filled in its source's slot order, {@code next} being the first slot not
     * yet written.
     * <p>
     * Homes are the fast range of the low 32 bits, so entries in the source's order (ascending home there) come in
     * ascending home here too, whatever the capacity, except among entries that shared a home in the source: an
     * entry homed at or after every home written so far goes to {@code max(home, next)} with no probing, and only an
     * entry homed before one of them takes an ordinary Robin Hood insert into the part already written, which is
     * short there. Gaps are zeroed as they are passed.
     *
     * @return the new {@code next}, or -1 if the entry would spill past the tail.
     */
    private int append(final long h, final long stored, final int next)
    {
        final int home = home(h, capacity);
        if (home >= fillHome)
        {
            // In home order: at max(home, next), as a split into children of the parent's size writes them.
            fillHome = home;
            if (next >= limit)
            {
                return -1;
            }
            final int at = zeroUpTo(next, home);
            writeSlot(at, h, stored);
            count++;
            return at + 1;
        }
        if (next >= limit)
        {
            return -1;
        }
        // Homed before entries already written: a Robin Hood insert into [0, next], slot next made empty first.
        writeSlot(next, 0, 0);
        if (!insertAt(-search(h, home, home) - 1, h, stored))
        {
            return -1;
        }
        // The run it joined reached slot next (else it filled a gap before it).
        return storedAt(next) != 0 ? next + 1 : next;
    }

    /** Zero the slots from {@code next} to the end; check {@code expected} entries were written unless -1. */
    private boolean finishFill(final int next, final int expected)
    {
        zeroUpTo(next, slotsFor(capacity));
        if (expected >= 0 && count != expected)
        {
            throw new IllegalStateException("docref internal error: filled " + count + " of " + expected + " entries");
        }
        return true;
    }

    void clear()
    {
        OffHeap.zero(address, bytesFor(capacity));
        count = 0;
    }
}

package dev.docref.core;

import java.lang.ref.Cleaner;
import java.util.ConcurrentModificationException;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import dev.docref.guard.AllocationBlockedException;
import dev.docref.guard.AllocationGuard;

import org.agrona.collections.LongLongConsumer;
import org.jetbrains.annotations.Contract;
import org.jetbrains.annotations.NotNull;

/**
 * An open-addressing {@code long -> long} map, stored off-heap in bounded segments, for a primary-key to
 * document-reference index that must never freeze the process when it grows.
 * <p>
 * {@link #withCapacity(long)} allocates, up front, room for the expected number of entries. Past that the map grows
 * one segment at a time: a full segment splits into two, which allocates exactly one new segment (at most
 * {@link Builder#segmentBytes(int) segmentBytes}, 128 KiB by default) and copies only that segment's entries.
 * No single allocation is ever larger than one segment or the directory, and no put does more work than one split.
 * For contrast: a conventional map doubles one array, and at 58,720,256 entries that is one multi-GB allocation and a
 * rehash of every entry inside a single put.
 * <p>
 * <b>Worked numbers at the defaults</b> (128 KiB segments, load factor 7/8): a full-size segment has 8,120 home
 * slots and holds up to 7,105 entries. {@code withCapacity(58_720_256)} allocates 16,384 segments of 68 KiB
 * (1.06 GiB in all, 19.4 bytes per entry) and a directory of 16,384 references; grown past that, each split
 * allocates one 128 KiB block. See {@code src/site/markdown/design.md}.
 * <p>
 * <b>Keys and values.</b> Every 64-bit key is valid, including 0, -1, {@link Long#MIN_VALUE} and
 * {@link Long#MAX_VALUE}. Every docRef is valid except {@link #missingValue()} (default -1), which {@link #get(long)}
 * returns for an absent key and which {@link #put(long, long)} rejects.
 * <p>
 * <b>Thread-safety:</b> not thread-safe. One thread at a time may use a map; publish it safely between threads.
 * <p>
 * <b>Memory ownership:</b> the map owns all its native memory and frees it in {@link #close()}; use
 * try-with-resources. After {@code close()} every method except {@code close()} throws
 * {@link IllegalStateException}. A map that becomes unreachable without {@code close()} is freed by a
 * {@link Cleaner}, which logs one warning through {@link System.Logger}. {@code get}, {@code put},
 * {@code putIfAbsent}, {@code remove}, {@code containsKey} and {@link Cursor} iteration allocate nothing on the heap.
 */
public final class PresizedDocRefMap implements AutoCloseable
{
    /**
     * System property that turns off the slot bounds checks: {@code -Ddocref.disable.bounds.checks=true}.
     * Default {@code false}: checks are on, as in tests. Benchmarks turn them off in their forks.
     */
    public static final String DISABLE_BOUNDS_CHECKS_PROP_NAME = "docref.disable.bounds.checks";

    /** Default {@link #missingValue()}: {@code -1}, never a valid docRef in most stores (offsets, row ids). */
    public static final long DEFAULT_MISSING_VALUE = -1L;

    /**
     * Default segment size: 128 KiB = 8,120 home slots (plus 72 tail and guard slots) = 7,105 entries at the default
     * load factor. Chosen by measurement (see {@code design.md}): the worst split at 128 KiB took 0.3-0.45 ms on the
     * reference machine against 0.45-1.9 ms at 256 KiB, and segment size from 64 KiB to 1 MiB made no difference to
     * random gets.
     */
    public static final int DEFAULT_SEGMENT_BYTES = 128 * 1024;

    /** Smallest segment: 512 bytes = 16 home slots and 16 tail and guard slots. Useful only in tests that want many splits. */
    public static final int MIN_SEGMENT_BYTES = 512;

    /** Hard cap on a segment, and so on the largest allocation growth ever makes: 64 MiB = 4,194,304 slots. */
    public static final int MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

    /** Default load factor 7/8: the fill limit at which a segment splits. */
    public static final double DEFAULT_LOAD_FACTOR = 0.875;

    private static final int MIN_SEGMENT_SLOTS = 16;
    private static final Cleaner CLEANER = Cleaner.create();

    private final long missingValue;
    private final long seed;
    private final double loadFactor;
    private final int maxSegmentSlots;
    private final NativeMemory memory;
    private final Cleaner.Cleanable cleanable;

    /** The directory; {@code null} once closed, which is how every method detects use after close. */
    private Directory directory;
    private long size;
    private int segmentCount;
    private int modCount;
    /** Blocks kept ready for splits; see {@link BlockReserve}. */
    private final BlockReserve reserve;

    private PresizedDocRefMap(final Builder builder)
    {
        this.missingValue = builder.missingValue;
        this.seed = builder.hashSeedSet ? builder.hashSeed : ThreadLocalRandom.current().nextLong();
        this.loadFactor = builder.loadFactor;
        this.maxSegmentSlots = maxCapacityFor(builder.segmentBytes);
        this.memory = new NativeMemory(builder.rawAllocator, builder.guard, "PresizedDocRefMap");
        this.reserve = new BlockReserve(memory);

        final long expectedEntries = builder.expectedEntries;
        final int depth = depthFor(expectedEntries, maxSegmentSlots, loadFactor);
        final int segments = 1 << depth;
        final int slots = slotsFor(expectedEntries, segments, loadFactor, maxSegmentSlots);
        final int maxEntries =
            presizedMaxEntries(slots, fullestSegmentEntries(expectedEntries, segments), loadFactor);
        final Segment[] table = new Segment[segments];
        final String purpose = "the up-front allocation of withCapacity(" + expectedEntries + ")";
        try
        {
            for (int i = 0; i < segments; i++)
            {
                final long address = memory.allocate(Segment.bytesFor(slots), true, purpose, segments + " segments");
                table[i] = new Segment(address, slots, maxEntries, depth);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            memory.markClosedExplicitly();
            memory.run();
            throw ex;
        }
        this.directory = new Directory(table, depth);
        this.segmentCount = segments;
        this.cleanable = CLEANER.register(this, memory);
    }

    /**
     * A map that holds at least {@code expectedEntries} entries with no further allocation, with every other setting
     * at its default. All its memory is allocated and zeroed now, in bounded segments.
     *
     * @param expectedEntries how many entries to make room for; 0 or more.
     * @return a new map; close it.
     * @throws IllegalArgumentException if {@code expectedEntries} is negative or larger than the map can address.
     * @throws OutOfMemoryError         if the native memory is not available; nothing stays allocated.
     */
    public static @NotNull PresizedDocRefMap withCapacity(final long expectedEntries)
    {
        return builder().expectedEntries(expectedEntries).build();
    }

    /** @return a builder with every setting at its default. */
    public static @NotNull Builder builder()
    {
        return new Builder();
    }

    /**
     * The docRef mapped to {@code key}.
     *
     * @param key any key.
     * @return the docRef, or {@link #missingValue()} when absent.
     */
    public long get(final long key)
    {
        final long h = Hashing.mix(key, seed);
        return directory().segmentFor(h).find(h) ^ missingValue;
    }

    /** @return whether {@code key} is mapped. */
    public boolean containsKey(final long key)
    {
        final long h = Hashing.mix(key, seed);
        return directory().segmentFor(h).find(h) != 0;
    }

    /**
     * Map {@code key} to {@code docRef}, replacing any previous mapping.
     *
     * @return the previous docRef, or {@link #missingValue()} if there was none.
     * @throws IllegalArgumentException if {@code docRef == missingValue()}; the map is unchanged.
     * @throws OutOfMemoryError         if a split cannot get its segment; the map is unchanged.
     */
    public long put(final long key, final long docRef)
    {
        return put(key, docRef, false);
    }

    /**
     * Map {@code key} to {@code docRef} only if {@code key} is absent.
     *
     * @return the docRef already mapped (the map is unchanged), or {@link #missingValue()} if it was inserted.
     * @throws IllegalArgumentException if {@code docRef == missingValue()}; the map is unchanged.
     */
    public long putIfAbsent(final long key, final long docRef)
    {
        return put(key, docRef, true);
    }

    private long put(final long key, final long docRef, final boolean onlyIfAbsent)
    {
        final long missingValue = this.missingValue;
        if (docRef == missingValue)
        {
            throw missingValueDocRef(key, docRef);
        }
        final long h = Hashing.mix(key, seed);
        final long stored = docRef ^ missingValue;
        while (true)
        {
            final Directory directory = directory();
            final Segment segment = directory.segmentFor(h);
            final int count = segment.count;
            if (count < segment.maxEntries)
            {
                final long previous = segment.put(h, stored, onlyIfAbsent);
                if (previous != 0)
                {
                    return previous ^ missingValue;
                }
                if (segment.count != count)
                {
                    size++;
                    modCount++;
                    if (reserve.pendingWork > 0)
                    {
                        reserve.step();
                    }
                    return missingValue;
                }
                // The insert would have spilled past the segment's tail: grow, then insert.
            }
            else
            {
                final int index = segment.search(h);
                if (index >= 0)
                {
                    final long previous = segment.storedAt(index);
                    if (!onlyIfAbsent)
                    {
                        segment.storeAt(index, stored);
                    }
                    return previous ^ missingValue;
                }
            }
            grow(directory, segment, h);
        }
    }

    /**
     * Remove the mapping for {@code key}.
     *
     * @return the removed docRef, or {@link #missingValue()} if it was absent.
     */
    public long remove(final long key)
    {
        final long h = Hashing.mix(key, seed);
        final long removed = directory().segmentFor(h).remove(h);
        if (removed != 0)
        {
            size--;
            modCount++;
        }
        return removed ^ missingValue;
    }

    /** @return the number of entries. */
    public long size()
    {
        directory();
        return size;
    }

    /** @return whether the map has no entries. */
    public boolean isEmpty()
    {
        return size() == 0;
    }

    /** Remove every entry. The memory is kept, zeroed, for the entries to come. */
    public void clear()
    {
        final Directory directory = directory();
        final Segment[] segments = directory.segments;
        for (int i = 0; i < segments.length; i++)
        {
            final Segment segment = segments[i];
            if (directory.isFirstIndexOf(i, segment))
            {
                segment.clear();
            }
        }
        size = 0;
        modCount++;
    }

    /**
     * Call {@code action} with every key and docRef, in no particular order.
     *
     * @throws ConcurrentModificationException if {@code action} adds or removes entries.
     */
    public void forEach(final @NotNull LongLongConsumer action)
    {
        final Directory directory = directory();
        final int expectedModCount = modCount;
        final long missingValue = this.missingValue;
        final long seed = this.seed;
        final Segment[] segments = directory.segments;
        for (int i = 0; i < segments.length; i++)
        {
            final Segment segment = segments[i];
            if (!directory.isFirstIndexOf(i, segment))
            {
                continue;
            }
            for (int slot = 0, limit = segment.limit; slot < limit; slot++)
            {
                final long stored = segment.storedAt(slot);
                if (stored != 0)
                {
                    action.accept(Hashing.unmix(segment.hashAt(slot), seed), stored ^ missingValue);
                    if (modCount != expectedModCount || this.directory != directory)
                    {
                        throw new ConcurrentModificationException(
                            "PresizedDocRefMap was modified by the forEach action; collect the changes and apply " +
                            "them after iterating");
                    }
                }
            }
        }
    }

    /**
     * A cursor over the entries. Advancing it allocates nothing; keep one and {@link Cursor#reset() reset} it to
     * iterate again without allocating.
     *
     * @return a new cursor positioned before the first entry.
     */
    public @NotNull Cursor cursor()
    {
        directory();
        return new Cursor(this);
    }

    /** @return the docRef that marks an absent key, returned by {@link #get(long)} on a miss. */
    public long missingValue()
    {
        return missingValue;
    }

    /**
     * How many entries fit in the memory already allocated: the sum of every segment's fill limit. Keys spread
     * unevenly, so a segment can fill and split slightly before {@code size()} reaches this; {@link #withCapacity}
     * adds statistical slack so that it reaches its {@code expectedEntries} with no allocation.
     */
    public long capacity()
    {
        final Directory directory = directory();
        long capacity = 0;
        final Segment[] segments = directory.segments;
        for (int i = 0; i < segments.length; i++)
        {
            if (directory.isFirstIndexOf(i, segments[i]))
            {
                capacity += segments[i].maxEntries;
            }
        }
        return capacity;
    }

    /**
     * @return all native memory the map holds, in bytes: its segments, and once it grows by splitting, the up to 5
     * blocks kept ready for the next splits (640 KiB at the default segment size).
     */
    public long offHeapBytes()
    {
        directory();
        return memory.offHeapBytes();
    }

    /** @return the number of segments. */
    public int segmentCount()
    {
        directory();
        return segmentCount;
    }

    /** @return the largest single native allocation this map ever made, in bytes. */
    public long largestAllocationBytes()
    {
        directory();
        return memory.largestAllocationBytes();
    }

    /** Free all native memory. Calling it again does nothing; every other method then throws. */
    public void close()
    {
        if (directory == null)
        {
            return;
        }
        directory = null;
        memory.markClosedExplicitly();
        cleanable.clean();
    }

    public String toString()
    {
        final Directory directory = this.directory;
        if (directory == null)
        {
            return "PresizedDocRefMap{closed}";
        }
        return "PresizedDocRefMap{size=" + size + ", segments=" + segmentCount + ", directoryDepth=" +
            directory.depth + ", offHeap=" + NativeMemory.formatBytes(memory.offHeapBytes()) + "}";
    }

    // ------------------------------------------------------------------------------------------------------------
    // Growth: cold path.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Make room in a full segment. While the map is one small segment it grows that segment (to at most one
     * segment's size); otherwise the segment splits: copy-on-split into two children whose blocks come from the
     * {@link BlockReserve}, to which the parent's block returns, so a split costs exactly one new block. Nothing is
     * changed until every allocation succeeded.
     */
    private void grow(final Directory directory, final Segment full, final long h)
    {
        if (directory.depth == 0 && full.capacity < maxSegmentSlots)
        {
            final int capacity = (int)Math.min((long)full.capacity * 2, maxSegmentSlots);
            final Segment bigger = newSegment(capacity, 0, true, "growing a small map's only segment");
            if (full.copyInto(bigger))
            {
                directory.segments[0] = bigger;
                reserve.retire(full.address, full.capacity);
                modCount++;
                return;
            }
            // Keys piled up past the bigger segment's tail (only a known hashSeed makes that likely): split instead.
            reserve.retire(bigger.address, bigger.capacity);
        }
        if (full.localDepth == Directory.MAX_DEPTH)
        {
            throw new IllegalStateException("docref cannot split a segment at local depth " + full.localDepth +
                ", the maximum " + Directory.MAX_DEPTH + " (" + describe() + "); the keys collide in their top " +
                Directory.MAX_DEPTH + " mixed bits, which only a known hashSeed makes possible. Use a random " +
                "hashSeed, or larger segmentBytes.");
        }

        if (full.localDepth == directory.depth)
        {
            // The directory doubles below, on the heap: an array of twice as many references (4 bytes each).
            memory.guard().check(16 + 4L * 2 * directory.segments.length, "PresizedDocRefMap directory doubling");
        }
        final int childDepth = full.localDepth + 1;
        final Segment low = newSegment(full.capacity, childDepth, false, "a segment split");
        final Segment high;
        try
        {
            high = newSegment(full.capacity, childDepth, false, "a segment split");
        }
        catch (final RuntimeException | Error ex)
        {
            reserve.retire(low.address, low.capacity);
            throw ex;
        }
        Directory target = directory;
        if (full.localDepth == directory.depth)
        {
            try
            {
                target = directory.doubled();
            }
            catch (final OutOfMemoryError ex)
            {
                reserve.retire(low.address, low.capacity);
                reserve.retire(high.address, high.capacity);
                throw ex;
            }
        }
        full.splitInto(low, high);

        final int span = 1 << (target.depth - full.localDepth);
        final int first = target.indexFor(h) & -span;
        final int half = span >> 1;
        final Segment[] segments = target.segments;
        for (int i = 0; i < half; i++)
        {
            segments[first + i] = low;
            segments[first + half + i] = high;
        }
        this.directory = target;
        reserve.retire(full.address, full.capacity);
        segmentCount++;
        modCount++;
        reserve.prepareFor(full.capacity);
    }

    private Segment newSegment(final int capacity, final int localDepth, final boolean zeroed, final String purpose)
    {
        final long address = reserve.take(capacity, zeroed, purpose, this);
        return new Segment(address, capacity, maxEntriesFor(capacity, loadFactor), localDepth);
    }

    private String describe()
    {
        return "map holds " + String.format(Locale.ROOT, "%,d", size) + " entries in " + segmentCount +
            " segments, " + NativeMemory.formatBytes(memory.offHeapBytes()) + " native";
    }

    private Directory directory()
    {
        final Directory directory = this.directory;
        if (directory == null)
        {
            throw new IllegalStateException("PresizedDocRefMap is closed; create a new map, or close it only " +
                "after its last use");
        }
        return directory;
    }

    private IllegalArgumentException missingValueDocRef(final long key, final long docRef)
    {
        return new IllegalArgumentException("docRef " + docRef + " for key " + key + " equals this map's " +
            "missingValue, which marks an absent key and cannot be stored; the map is unchanged. Store another " +
            "docRef, or build the map with builder().missingValue(x) using a value your docRefs never take.");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Sizing.
    // ------------------------------------------------------------------------------------------------------------

    /** The most home slots a segment of at most {@code segmentBytes} has, after its tail and guard slots. */
    static int maxCapacityFor(final int segmentBytes)
    {
        int capacity = segmentBytes / Segment.SLOT_BYTES;
        while (Segment.bytesFor(capacity) > segmentBytes)
        {
            capacity--;
        }
        return capacity;
    }

    static int maxEntriesFor(final int capacity, final double loadFactor)
    {
        return (int)Math.max(1, Math.min(capacity - 1L, (long)Math.floor(capacity * loadFactor)));
    }

    /**
     * The fill a pre-sized segment may reach to absorb the statistical spread of keys: halfway from the load factor
     * to full (15/16 at the default 7/8). Robin Hood probing stays short there (about 8 slots per lookup on average).
     */
    static double presizedMaxFill(final double loadFactor)
    {
        return loadFactor + (1.0 - loadFactor) / 2;
    }

    /**
     * Entries the fullest of {@code segments} segments may receive when {@code n} random keys spread over them: the
     * mean plus 7 standard deviations (a 1-in-10^12 chance per segment of more) plus 8.
     */
    static long fullestSegmentEntries(final long n, final int segments)
    {
        if (segments == 1)
        {
            return n;
        }
        final double mean = (double)n / segments;
        final double sd = Math.sqrt(mean * (1.0 - 1.0 / segments));
        return (long)Math.ceil(mean + 7 * sd) + 8;
    }

    /**
     * Slots per segment for {@code n} entries over {@code segments} segments: enough for the mean at the load factor
     * and for the fullest segment at {@link #presizedMaxFill}. May exceed the maximum segment size.
     */
    static long slotsFor(final long n, final int segments, final double loadFactor)
    {
        final double mean = (double)n / segments;
        final long fullest = fullestSegmentEntries(n, segments);
        final double maxFill = presizedMaxFill(loadFactor);
        long slots = Math.max(MIN_SEGMENT_SLOTS,
            Math.max((long)Math.ceil(mean / loadFactor), (long)Math.ceil(fullest / maxFill)));
        while (slots < Integer.MAX_VALUE && presizedMaxEntries(slots, fullest, loadFactor) < fullest)
        {
            slots++;
        }
        return slots;
    }

    /** The fill limit of a pre-sized segment: its normal limit, raised to take the fullest segment's entries. */
    static int presizedMaxEntries(final long slots, final long fullest, final double loadFactor)
    {
        final int capacity = (int)Math.min(slots, Integer.MAX_VALUE - 1);
        final long ceiling = Math.min(capacity - 1L, (long)Math.floor(capacity * presizedMaxFill(loadFactor)));
        return (int)Math.max(maxEntriesFor(capacity, loadFactor), Math.min(fullest, ceiling));
    }

    private static int slotsFor(final long n, final int segments, final double loadFactor, final int maxSlots)
    {
        return (int)Math.min(slotsFor(n, segments, loadFactor), maxSlots);
    }

    static int depthFor(final long n, final int maxSlots, final double loadFactor)
    {
        for (int depth = 0; depth <= Directory.MAX_DEPTH; depth++)
        {
            if (slotsFor(n, 1 << depth, loadFactor) <= maxSlots)
            {
                return depth;
            }
        }
        throw new IllegalStateException("unreachable: expectedEntries was validated");
    }

    /** The largest {@code expectedEntries} that {@code 2^MAX_DEPTH} segments of {@code maxSlots} slots hold. */
    static long maxExpectedEntries(final int maxSlots, final double loadFactor)
    {
        final int segments = 1 << Directory.MAX_DEPTH;
        long low = 0;
        long high = (long)maxEntriesFor(maxSlots, loadFactor) * segments;
        while (low < high)
        {
            final long mid = (low + high + 1) >>> 1;
            if (slotsFor(mid, segments, loadFactor) <= maxSlots)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Builder and cursor.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Settings for a {@link PresizedDocRefMap}. Each setter validates its argument at once and throws
     * {@link IllegalArgumentException} naming the value and the accepted range.
     * <p>
     * <b>Thread-safety:</b> not thread-safe; build on one thread.
     */
    public static final class Builder
    {
        private long expectedEntries = 0;
        private long missingValue = DEFAULT_MISSING_VALUE;
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private double loadFactor = DEFAULT_LOAD_FACTOR;
        private long hashSeed;
        private boolean hashSeedSet;
        private NativeMemory.RawAllocator rawAllocator = NativeMemory.OFF_HEAP;
        private AllocationGuard guard;

        private Builder()
        {
        }

        /**
         * How many entries the map must hold with no allocation after {@link #build()}. Default 0: the map starts
         * as one small segment and grows.
         *
         * @param expectedEntries 0 or more, and at most what 2^30 segments of {@code segmentBytes} hold.
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder expectedEntries(final long expectedEntries)
        {
            if (expectedEntries < 0)
            {
                throw new IllegalArgumentException("expectedEntries must be >= 0 but was " + expectedEntries +
                    "; pass the number of entries you expect the map to hold (0 to start small and grow).");
            }
            this.expectedEntries = expectedEntries;
            return this;
        }

        /**
         * The docRef that marks an absent key: {@code get} returns it on a miss and {@code put} rejects it.
         * Default {@code -1}.
         */
        @Contract("_ -> this")
        public @NotNull Builder missingValue(final long missingValue)
        {
            this.missingValue = missingValue;
            return this;
        }

        /**
         * Bytes per segment, which bounds the largest allocation growth makes and the work of one split.
         *
         * @param segmentBytes a power of two from {@value #MIN_SEGMENT_BYTES} to {@value #MAX_SEGMENT_BYTES}
         *                     (64 MiB). Default {@value #DEFAULT_SEGMENT_BYTES} (128 KiB).
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder segmentBytes(final int segmentBytes)
        {
            if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES ||
                Integer.bitCount(segmentBytes) != 1)
            {
                throw new IllegalArgumentException("segmentBytes must be a power of two from " + MIN_SEGMENT_BYTES +
                    " to " + MAX_SEGMENT_BYTES + " (64 MiB) but was " + segmentBytes + "; for example " +
                    DEFAULT_SEGMENT_BYTES + " (128 KiB, the default).");
            }
            this.segmentBytes = segmentBytes;
            return this;
        }

        /**
         * The fill limit of a segment: a segment holding {@code floor(slots * loadFactor)} entries splits before it
         * takes another key. Higher saves memory and costs longer probes.
         *
         * @param loadFactor strictly between 0 and 1. Default 0.875.
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder loadFactor(final double loadFactor)
        {
            if (!(loadFactor > 0.0 && loadFactor < 1.0))
            {
                throw new IllegalArgumentException("loadFactor must be strictly between 0 and 1 but was " +
                    loadFactor + "; for example " + DEFAULT_LOAD_FACTOR + " (the default).");
            }
            this.loadFactor = loadFactor;
            return this;
        }

        /**
         * The seed mixed into every key. Default: random per map, so an adversary cannot choose keys that collide.
         * Fix it only for reproducible tests and benchmarks.
         */
        @Contract("_ -> this")
        public @NotNull Builder hashSeed(final long hashSeed)
        {
            this.hashSeed = hashSeed;
            this.hashSeedSet = true;
            return this;
        }

        /**
         * The guard every native allocation of the map is shown to before it is made (segments, the up-front
         * allocation of {@code expectedEntries}, blocks kept ready for splits) and the directory's doubling. Each
         * allocation reserves its bytes against the guard's total limit, and each free, and {@code close()},
         * releases them. When the guard blocks a split, the put throws {@link AllocationBlockedException} and the
         * map keeps every entry and stays usable. Default: {@link AllocationGuard#global()}, taken at
         * {@link #build()}.
         *
         * @param guard the guard; shared guards are fine, it is thread-safe.
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder guard(final @NotNull AllocationGuard guard)
        {
            this.guard = Objects.requireNonNull(guard, "guard");
            return this;
        }

        /** Test seam: where raw blocks come from. */
        @Contract("_ -> this")
        @NotNull Builder rawAllocator(final NativeMemory.RawAllocator rawAllocator)
        {
            this.rawAllocator = rawAllocator;
            return this;
        }

        /**
         * Allocate the map: all memory for {@code expectedEntries}, zeroed, in segments of at most
         * {@code segmentBytes}.
         *
         * @throws IllegalArgumentException if {@code expectedEntries} exceeds what the map can address with these
         *                                  settings.
         * @throws OutOfMemoryError         if the native memory is not available; nothing stays allocated.
         */
        public @NotNull PresizedDocRefMap build()
        {
            final int maxSlots = maxCapacityFor(segmentBytes);
            final long max = maxExpectedEntries(maxSlots, loadFactor);
            if (expectedEntries > max)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "expectedEntries %,d is more than the %,d a map can address with segmentBytes=%d and " +
                    "loadFactor=%s (2^%d segments); use larger segmentBytes (up to %d) or a smaller expectedEntries.",
                    expectedEntries, max, segmentBytes, loadFactor, Directory.MAX_DEPTH, MAX_SEGMENT_BYTES));
            }
            if (guard == null)
            {
                guard = AllocationGuard.global();
            }
            return new PresizedDocRefMap(this);
        }
    }

    /**
     * An allocation-free cursor over a map's entries, in no particular order.
     * <pre>{@code
     * PresizedDocRefMap.Cursor cursor = map.cursor();
     * while (cursor.next()) {
     *     use(cursor.key(), cursor.value());
     * }
     * }</pre>
     * <b>Thread-safety:</b> not thread-safe; it belongs to the thread using the map. Adding or removing entries
     * while a cursor is in use makes its next {@link #next()} throw {@link ConcurrentModificationException}.
     */
    public static final class Cursor
    {
        private final PresizedDocRefMap map;
        private Directory directory;
        private Segment segment;
        private int directoryIndex;
        private int slot;
        private int expectedModCount;
        private long key;
        private long value;

        private Cursor(final PresizedDocRefMap map)
        {
            this.map = map;
            reset();
        }

        /**
         * Move back before the first entry.
         *
         * @return this cursor.
         */
        public @NotNull Cursor reset()
        {
            directory = map.directory();
            segment = null;
            directoryIndex = -1;
            slot = -1;
            expectedModCount = map.modCount;
            return this;
        }

        /**
         * Advance to the next entry.
         *
         * @return whether there is one; {@link #key()} and {@link #value()} then return it.
         * @throws ConcurrentModificationException if the map gained or lost entries since {@link #reset()}.
         * @throws IllegalStateException           if the map is closed.
         */
        public boolean next()
        {
            final Directory current = map.directory();
            if (current != directory || map.modCount != expectedModCount)
            {
                throw new ConcurrentModificationException("PresizedDocRefMap gained or lost entries while a " +
                    "cursor was in use; reset() the cursor to start again");
            }
            Segment segment = this.segment;
            while (true)
            {
                if (segment != null)
                {
                    final int limit = segment.limit;
                    while (++slot < limit)
                    {
                        final long stored = segment.storedAt(slot);
                        if (stored != 0)
                        {
                            key = Hashing.unmix(segment.hashAt(slot), map.seed);
                            value = stored ^ map.missingValue;
                            return true;
                        }
                    }
                }
                final Segment[] segments = current.segments;
                segment = null;
                while (++directoryIndex < segments.length)
                {
                    final Segment candidate = segments[directoryIndex];
                    if (current.isFirstIndexOf(directoryIndex, candidate))
                    {
                        segment = candidate;
                        slot = -1;
                        break;
                    }
                }
                this.segment = segment;
                if (segment == null)
                {
                    directoryIndex = segments.length;
                    return false;
                }
            }
        }

        /** @return the key of the current entry. */
        public long key()
        {
            return key;
        }

        /** @return the docRef of the current entry. */
        public long value()
        {
            return value;
        }
    }
}

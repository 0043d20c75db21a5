package dev.docref.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A design experiment, not a map comparison: how the slot layout alone decides the cost of a lookup at the fill
 * docref runs at. Two flat tables of 16-byte slots (mixed key, value) in one {@code long[]}, with no directory, no
 * segments and no seqlock, so that only the layout differs:
 * <ul>
 *     <li>{@code linear}: docref's layout and lookup today. Robin Hood linear probing from a home slot; the first 4
 *     slots from home compared branch-free, a hit returned right there, the miss decided after it, then a
 *     slot-at-a-time scan; the window straddles two cache lines 3 times in 4.</li>
 *     <li>{@code linear_combined}: the same, with the hit and the miss decided by one combined test (docref's lookup
 *     until this experiment).</li>
 *     <li>{@code linear_branchy}: the same table read one slot at a time with a branch per comparison.</li>
 *     <li>{@code linear_hybrid}: the home slot compared with a branch, then {@code linear}'s lookup.</li>
 *     <li>{@code cuckoo}: buckets of 4 slots, each one 64-byte cache line; a key lives in one of two buckets chosen
 *     by independent bits of its hash; an insert takes a free slot in either, else evicts along a random walk. A hit
 *     reads one line if the key is in its first bucket, two otherwise.</li>
 *     <li>{@code split}, {@code split8} and {@code split_branchy}: the same Robin Hood order with the keys in one
 *     region and the values in another, as fastutil keeps two arrays, read through a window of 4 or 8 keys or a
 *     key at a time ({@link Split}).</li>
 *     <li>{@code fastutil}: fastutil's {@code Long2LongOpenHashMap} at the nearest power-of-two table, the
 *     reference.</li>
 * </ul>
 * And the reader's chain beyond the layout, same lookup, same fill, all in one shared array (whose header stays
 * cached, as an off-heap block has none), every segment or page on a cache line of its own:
 * <ul>
 *     <li>{@code linear_segmented}: cut into segments of about 8,120 home slots found through a directory of segment
 *     objects, as docref's map is (no seqlock).</li>
 *     <li>{@code linear_stamped}: the same, read with docref's seqlock stamp taken and validated on the segment
 *     object.</li>
 *     <li>{@code linear_direct}: the same, the slots' offset read from an array beside the directory rather than from
 *     the segment object, so the slot loads do not wait for the segment's cache line.</li>
 *     <li>{@code linear_strided}: the same segments, each one's offset computed from its index (segments of equal
 *     stride), so no load at all comes before the slot loads.</li>
 *     <li>{@code linear_paged}: each segment cut into 8 pages, each its own table, reached through the segment's
 *     array of page offsets: one dependent load more, the chain of a map whose segments grow a page at a time.</li>
 *     <li>{@code map_read}: the map's read path replicated: slots off-heap read with {@code Unsafe}, a
 *     {@code volatile} directory field, the segment read with acquire, the stamp taken and validated, a retry loop;
 *     {@code map_read_unvalidated}, {@code map_read_no_fence} and {@code map_read_fence_only} change only the
 *     validation (measurement only: the last two are wrong under the memory model with writers, and there are
 *     none).</li>
 *     <li>{@code map_read_split}: {@code map_read} with each segment's slots in a block of its own, allocated one by
 *     one as the map's are, twice as many segments of half the size (about 7,250 home slots per segment at 100M
 *     entries, the map's 7,103, blocks small enough that glibc's malloc carves them from its heap), the segment
 *     objects allocated one after another; {@code map_read_split48} and {@code map_read_split64} pad each segment
 *     object from 32 to 48 and 64 bytes (docref's is 64).</li>
 *     <li>{@code docref} and {@code docref_st}: the real {@code PresizedDocRefMap}, thread-safe and single-threaded,
 *     pre-sized for {@code 0.84 * size / fill} entries, so at {@code fill=0.84} for {@code size} (the map then runs
 *     its own fill, 0.86 at 100M); {@code docref_seeded}: thread-safe with the prototypes' hash seed rather than a
 *     random one.</li>
 * </ul>
 * A layout name ending in {@code _gc} runs {@code System.gc()} once the table is filled, so the segment objects are
 * compacted before measuring. All are filled to {@code fill} (entries / slots) with {@code size} random keys; the get
 * benchmarks walk a shuffled copy of the keys (hits) or absent keys (misses), as {@link GetHitBenchmark} and
 * {@link GetMissBenchmark} do.
 * Tables are on-heap {@code long[]} arrays large enough to be G1 humongous objects, which start at a region
 * boundary, so the array's element 6 is 64-byte aligned (16-byte array header); the cuckoo buckets start there.
 * The forks turn docref's bounds checks off, as {@link MapBenchmark}'s do (before 2026-11-30 they did not, unless the
 * command passed {@code -Ddocref.disable.bounds.checks=true}: earlier results for the {@code docref} layouts include
 * the checks, about 1.12x on {@code docref_st}'s get hit at 10M).
 * <p>
 * Run (every layout at two fills, about 40 minutes; the reader's chain alone, about 8 minutes; the read path's
 * validation, about 3 minutes; the real map against its replica at 100M entries, or the chain's dependent load,
 * about 15 minutes each):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar ProbeLayoutBenchmark -f 2 -p fill=0.875,0.5
 *   java -jar bench/target/benchmarks.jar ProbeLayoutBenchmark -f 3 -p fill=0.875 \
 *       -p layout=linear,linear_segmented,linear_stamped,linear_direct,linear_paged
 *   java -jar bench/target/benchmarks.jar ProbeLayoutBenchmark.getHit -f 4 -p fill=0.875 \
 *       -p layout=map_read,map_read_unvalidated,map_read_no_fence,map_read_fence_only
 *   java -jar bench/target/benchmarks.jar ProbeLayoutBenchmark.getHit -f 2 -p fill=0.84 -p size=100000000 \
 *       -p layout=docref,map_read,map_read_split,linear,fastutil -jvmArgs "-Xms14g -Xmx14g"
 *   java -jar bench/target/benchmarks.jar ProbeLayoutBenchmark.getHit -f 2 -p fill=0.84 -p size=100000000 \
 *       -p layout=linear_strided,linear_direct,docref,linear,fastutil -jvmArgs "-Xms14g -Xmx14g"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsPrepend = "-Ddocref.disable.bounds.checks=true", jvmArgs = {"-Xms4g", "-Xmx4g"})
public class ProbeLayoutBenchmark
{
    @Param({"linear", "linear_combined", "linear_branchy", "linear_hybrid", "linear_segmented", "linear_paged",
        "linear_stamped", "linear_direct", "map_read", "map_read_unvalidated", "map_read_no_fence",
        "map_read_fence_only", "cuckoo", "fastutil"})
    public String layout;

    @Param({"7340032"})
    public int size;

    /** Entries per slot: docref's pre-sized maps run at 0.84, its fill limit is 0.875. */
    @Param({"0.875"})
    public double fill;

    private Table table;
    private long[] hits;
    private long[] misses;
    private int next;

    @Setup(Level.Trial)
    public void fill()
    {
        MapBenchmark.requireBoundsChecksChosen(layout);
        final long[] keys = Keys.distinct(size, Keys.KEY_SEED);
        final boolean gc = layout.endsWith("_gc");
        table = Table.create(gc ? layout.substring(0, layout.length() - 3) : layout, (long)Math.ceil(size / fill),
            Keys.KEY_SEED);
        for (int i = 0; i < keys.length; i++)
        {
            table.put(keys[i], i);
        }
        for (int i = 0; i < keys.length; i++)
        {
            if (table.get(keys[i]) != i)
            {
                throw new IllegalStateException(layout + " lost key #" + i);
            }
        }
        hits = Keys.shuffled(keys, Keys.SHUFFLE_SEED);
        misses = new long[size];
        final SplittableRandom random = new SplittableRandom(Keys.MISS_SEED);
        for (int i = 0; i < misses.length; )
        {
            final long key = random.nextLong();
            if (table.get(key) == Table.MISSING)
            {
                misses[i++] = key;
            }
        }
        if (gc)
        {
            System.gc();
        }
    }

    @TearDown(Level.Trial)
    public void free()
    {
        table.free();
    }

    @Benchmark
    public long getHit()
    {
        final int i = next;
        next = Keys.following(i, hits.length);
        return table.get(hits[i]);
    }

    @Benchmark
    public long getMiss()
    {
        final int i = next;
        next = Keys.following(i, misses.length);
        return table.get(misses[i]);
    }

    /** A fixed-size {@code long -> long} table of non-negative values; {@link #MISSING} when absent. */
    abstract static class Table
    {
        static final long MISSING = -1L;
        /** Element index of the first 64-byte-aligned {@code long} of a humongous {@code long[]}. */
        static final int ALIGNED_START = 6;

        final long seed;
        final long[] words;

        Table(final long words, final long seed)
        {
            if (words > Integer.MAX_VALUE - 64)
            {
                throw new IllegalArgumentException("a prototype table holds at most 2^30 slots; asked for " +
                    (words / 2));
            }
            this.words = new long[(int)words];
            this.seed = seed;
        }

        static Table create(final String layout, final long slots, final long seed)
        {
            switch (layout)
            {
                case "linear":
                    return new Linear(slots, seed);
                case "cuckoo":
                    return new Cuckoo(slots, seed);
                case "linear_branchy":
                    return new LinearBranchy(slots, seed);
                case "linear_hybrid":
                    return new LinearHybrid(slots, seed);
                case "linear_combined":
                    return new LinearCombined(slots, seed);
                case "linear_segmented":
                    return new SegmentedLinear(slots, seed);
                case "linear_paged":
                    return new PagedLinear(slots, seed);
                case "linear_stamped":
                    return new StampedSegmented(slots, seed);
                case "linear_direct":
                    return new StampedDirect(slots, seed);
                case "linear_strided":
                    return new StridedSegmented(slots, seed);
                case "map_read":
                    return new MapRead(slots, seed);
                case "map_read_split":
                    return new MapRead(slots, seed, 32);
                case "map_read_split48":
                    return new MapRead(slots, seed, 48);
                case "map_read_split64":
                    return new MapRead(slots, seed, 64);
                case "map_read_unvalidated":
                    return new MapReadUnvalidated(slots, seed);
                case "map_read_no_fence":
                    return new MapReadNoFence(slots, seed);
                case "map_read_fence_only":
                    return new MapReadFenceOnly(slots, seed);
                case "split":
                    return new Split(slots, seed, 4);
                case "split8":
                    return new Split(slots, seed, 8);
                case "split_branchy":
                    return new Split(slots, seed, 0);
                case "fastutil":
                    return new FastutilTable(slots);
                case "docref":
                    return new DocrefTable(slots, seed, dev.docref.core.Concurrency.THREAD_SAFE);
                case "docref_st":
                    return new DocrefTable(slots, seed, dev.docref.core.Concurrency.SINGLE_THREADED);
                case "docref_seeded":
                    return new DocrefTable(slots, seed, dev.docref.core.Concurrency.THREAD_SAFE, true);
                default:
                    throw new IllegalArgumentException("layout must be linear, linear_combined, linear_branchy, " +
                        "linear_hybrid, linear_segmented, linear_paged, linear_stamped, linear_direct, " +
                        "linear_strided, map_read, map_read_unvalidated, map_read_no_fence, " +
                        "map_read_fence_only, map_read_split, map_read_split48, map_read_split64, docref, " +
                        "docref_st, docref_seeded, split, split8, split_branchy, cuckoo or fastutil " +
                        "(any of them with _gc appended) but was '" + layout + "'");
            }
        }

        /** docref's mixer: MurmurHash3's fmix64 of {@code key ^ seed}, a bijection. */
        final long mix(final long key)
        {
            long h = key ^ seed;
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            h ^= h >>> 33;
            return h;
        }

        static int range(final long bits32, final int n)
        {
            return (int)(((bits32 & 0xFFFF_FFFFL) * n) >>> 32);
        }

        /**
         * The value word of whichever of the 4 slots from word {@code b} holds {@code h}, or 0: selected with
         * arithmetic masks, as docref's {@code Segment.find} does, so that C2 cannot compile the selects into
         * branches (it does for {@code ?:} once a slot's hit rate looks predictable).
         */
        static long window(final long[] w, final int b, final long h)
        {
            return (w[b + 1] & equalMask(w[b], h)) | (w[b + 3] & equalMask(w[b + 2], h)) |
                (w[b + 5] & equalMask(w[b + 4], h)) | (w[b + 7] & equalMask(w[b + 6], h));
        }

        /** docref's {@code Segment.equalMask}: all ones if {@code a == b}, else 0. */
        static long equalMask(final long a, final long b)
        {
            final long x = a ^ b;
            return (~x & (x - 1)) >> 63;
        }

        abstract void put(long key, long value);

        abstract long get(long key);

        /** Free native memory, for the tables that hold some. */
        void free()
        {
        }
    }

    /**
     * docref's lookup before 2026-11-29 (evening): the hit and the miss decided by one combined test after the
     * window, so a hit waits for the stop computation too.
     */
    static final class LinearCombined extends Linear
    {
        LinearCombined(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final int home = range(h, capacity);
            final long[] w = words;
            final int b = base(home);
            final long found = window(w, b, h);
            if ((found | stop(w, b, home)) != 0)
            {
                return ~found; // found == 0 gives ~0 == MISSING
            }
            return scan(h, home);
        }
    }

    /** The same table read one slot at a time with a branch per comparison, as fastutil reads its arrays. */
    static final class LinearBranchy extends Linear
    {
        LinearBranchy(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final int home = range(h, capacity);
            final long[] w = words;
            for (int b = base(home); ; b += 2)
            {
                final long resident = w[b];
                final long stored = w[b + 1];
                if (resident == h && stored != 0)
                {
                    return ~stored;
                }
                if (stored == 0 || range(resident, capacity) > home)
                {
                    return MISSING;
                }
            }
        }
    }

    /** The home slot compared with a branch first, then docref's window for the rest. */
    static final class LinearHybrid extends Linear
    {
        LinearHybrid(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final int home = range(h, capacity);
            final long[] w = words;
            final int b = base(home);
            final long stored0 = w[b + 1];
            if (w[b] == h && stored0 != 0)
            {
                return ~stored0;
            }
            return find(h, home);
        }
    }

    /**
     * fastutil's {@code Long2LongOpenHashMap} at the nearest power-of-two capacity to {@code slots}: for the reference
     * in the same run (at 7,340,032 keys, fill 0.875 gives 2^23 slots, exactly that fill; 0.5 gives 2^24, fill 0.4375).
     */
    static final class FastutilTable extends Table
    {
        private final it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap map;

        FastutilTable(final long slots)
        {
            super(ALIGNED_START, 0);
            final long power = Long.highestOneBit(slots - 1) << 1;
            map = new it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap((int)(power * 0.99f), 0.99f);
            map.defaultReturnValue(MISSING);
        }

        @Override
        void put(final long key, final long value)
        {
            map.put(key, value);
        }

        @Override
        long get(final long key)
        {
            return map.get(key);
        }
    }

    /** The real map, pre-sized for {@code 0.84 * slots} entries: {@code size} when run at {@code fill=0.84}. */
    static final class DocrefTable extends Table
    {
        private final dev.docref.core.PresizedDocRefMap map;

        DocrefTable(final long slots, final long seed, final dev.docref.core.Concurrency concurrency)
        {
            this(slots, seed, concurrency, false);
        }

        /** With {@code seeded}, the map's hash seed is the table's, as the prototypes', rather than random. */
        DocrefTable(final long slots, final long seed, final dev.docref.core.Concurrency concurrency,
            final boolean seeded)
        {
            super(0, seed);
            final dev.docref.core.PresizedDocRefMap.Builder builder = dev.docref.core.PresizedDocRefMap.builder()
                .expectedEntries(Math.round(slots * 0.84)).concurrency(concurrency).missingValue(MISSING);
            map = (seeded ? builder.hashSeed(seed) : builder).build();
        }

        @Override
        void put(final long key, final long value)
        {
            map.put(key, value);
        }

        @Override
        long get(final long key)
        {
            return map.get(key);
        }

        @Override
        void free()
        {
            map.close();
        }
    }

    /** Robin Hood linear probing, docref's {@code Segment} layout on one flat table; value stored as {@code ~v}. */
    static class Linear extends Table
    {
        final int capacity;

        Linear(final long slots, final long seed)
        {
            // 64 overflow slots and 8 always-empty guard slots after the home slots, as in a docref segment.
            super(wordsFor(slots), seed);
            this.capacity = (int)slots;
        }

        static int base(final int slot)
        {
            return ALIGNED_START + 2 * slot;
        }

        /** Words for a table of {@code capacity} home slots with docref's 64 tail and 8 guard slots. */
        static int wordsFor(final long capacity)
        {
            return (int)(2 * (capacity + 72) + ALIGNED_START);
        }

        @Override
        void put(final long key, final long value)
        {
            final long h = mix(key);
            insert(words, ALIGNED_START, capacity, h, range(h, capacity), value);
        }

        /**
         * Insert or update mixed key {@code h} homed at {@code home} in a table of {@code capacity} home slots whose
         * slot 0 is at word {@code off}.
         */
        static void insert(final long[] words, final int off, final int capacity, final long h, final int home,
            final long value)
        {
            int i = off + 2 * home;
            while (words[i + 1] != 0 && range(words[i], capacity) <= home)
            {
                if (words[i] == h)
                {
                    words[i + 1] = ~value;
                    return;
                }
                i += 2;
            }
            int empty = i;
            while (words[empty + 1] != 0)
            {
                empty += 2;
            }
            if (empty >= off + 2 * (capacity + 64))
            {
                throw new IllegalStateException("linear prototype: spilled past its overflow slots");
            }
            System.arraycopy(words, i, words, i + 2, empty - i);
            words[i] = h;
            words[i + 1] = ~value;
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            return find(h, range(h, capacity));
        }

        /** docref's lookup of mixed key {@code h} homed at {@code home}: a hit in the window first, then the miss. */
        final long find(final long h, final int home)
        {
            return find(words, ALIGNED_START, capacity, h, home);
        }

        /**
         * {@link #find(long, int)} in any table of this layout whose slot 0 is at word {@code off}: the segmented and
         * paged variants share it.
         */
        static long find(final long[] w, final int off, final int capacity, final long h, final int home)
        {
            final int b = off + 2 * home;
            final long found = window(w, b, h);
            if (found != 0)
            {
                return ~found;
            }
            return stop(w, capacity, b, home) != 0 ? MISSING : scan(w, b, capacity, h, home);
        }

        /** All ones when the window's last slot shows {@code h} cannot be further on (empty, or homed later). */
        final long stop(final long[] w, final int b, final int home)
        {
            return stop(w, capacity, b, home);
        }

        static long stop(final long[] w, final int capacity, final int b, final int home)
        {
            final long stored3 = w[b + 7];
            return ~((stored3 | -stored3) >> 63) | (((long)home - range(w[b + 6], capacity)) >> 63);
        }

        /** The slot-at-a-time scan after the first window; the linear variants share it. */
        final long scan(final long h, final int home)
        {
            return scan(words, base(home), capacity, h, home);
        }

        /** The scan from the slot after the window that starts at word {@code b}. */
        static long scan(final long[] w, final int b, final int capacity, final long h, final int home)
        {
            for (int i = b + 8; ; i += 2)
            {
                final long stored = w[i + 1];
                final long resident = w[i];
                if (stored == 0 || range(resident, capacity) > home)
                {
                    return MISSING;
                }
                if (resident == h)
                {
                    return ~stored;
                }
            }
        }
    }

    /**
     * {@link Linear}'s table cut into segments of about docref's 8,120 home slots, each with its own tail and guard,
     * found through a directory of segment objects by the top bits of the mixed key: a docref reader's chain
     * (directory, {@code Segment} object, slots) without the seqlock. As docref's segments hold the address of their
     * block, each segment object holds the offset of its slots in one shared array, whose header is always cached, so
     * no per-segment array header is loaded; every segment starts on a cache line.
     */
    static final class SegmentedLinear extends Table
    {
        /** docref's home slots per 128 KiB segment. */
        static final int SEGMENT_SLOTS = 8120;

        /** A segment: where its slot 0 is in the shared array. */
        static final class Segment
        {
            final int off;

            Segment(final int off)
            {
                this.off = off;
            }
        }

        final Segment[] directory;
        final int depth;
        final int capacity;

        SegmentedLinear(final long slots, final long seed)
        {
            super(ALIGNED_START + (1L << depthFor(slots)) * strideFor(capacityFor(slots)), seed);
            this.depth = depthFor(slots);
            this.capacity = capacityFor(slots);
            this.directory = new Segment[1 << depth];
            for (int i = 0; i < directory.length; i++)
            {
                directory[i] = new Segment(ALIGNED_START + i * strideFor(capacity));
            }
        }

        /** Segments: the largest power of two that leaves each at least {@link #SEGMENT_SLOTS} home slots. */
        static int depthFor(final long slots)
        {
            return Math.max(0, 63 - Long.numberOfLeadingZeros(Math.max(1, slots / SEGMENT_SLOTS)));
        }

        static int capacityFor(final long slots)
        {
            final int depth = depthFor(slots);
            return (int)((slots + (1L << depth) - 1) >> depth);
        }

        /** Words from one table of {@code capacity} home slots (with tail and guard) to the next cache line. */
        static int strideFor(final int capacity)
        {
            return (Linear.wordsFor(capacity) - ALIGNED_START + 7) & -8;
        }

        /** The segment owning {@code h}: its top {@code depth} bits (0 bits when depth is 0). */
        static int segment(final long h, final int depth)
        {
            return (int)((h >>> 1) >>> (63 - depth));
        }

        @Override
        void put(final long key, final long value)
        {
            final long h = mix(key);
            Linear.insert(words, directory[segment(h, depth)].off, capacity, h, range(h, capacity), value);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            return Linear.find(words, directory[segment(h, depth)].off, capacity, h, range(h, capacity));
        }
    }

    /**
     * {@link SegmentedLinear}'s slots, each segment's offset computed from its index ({@code index * stride}) instead
     * of loaded: segmented addressing with no load before the slots. Against {@code linear_segmented} and
     * {@code linear_direct} it separates what the dependent load costs from what addressing by segment costs.
     */
    static final class StridedSegmented extends Table
    {
        final int depth;
        final int capacity;
        final int stride;

        StridedSegmented(final long slots, final long seed)
        {
            super(ALIGNED_START + (1L << SegmentedLinear.depthFor(slots)) *
                SegmentedLinear.strideFor(SegmentedLinear.capacityFor(slots)), seed);
            this.depth = SegmentedLinear.depthFor(slots);
            this.capacity = SegmentedLinear.capacityFor(slots);
            this.stride = SegmentedLinear.strideFor(capacity);
        }

        private int offset(final long h)
        {
            return ALIGNED_START + SegmentedLinear.segment(h, depth) * stride;
        }

        @Override
        void put(final long key, final long value)
        {
            final long h = mix(key);
            Linear.insert(words, offset(h), capacity, h, range(h, capacity), value);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            return Linear.find(words, offset(h), capacity, h, range(h, capacity));
        }
    }

    /**
     * {@link SegmentedLinear} with each segment cut into {@value #PAGES} pages, each with its own tail and guard,
     * reached through the segment's array of page offsets: the reader's chain of a design whose segments grow a page
     * at a time (directory, segment object, its page array, slots), one dependent load more than
     * {@code linear_segmented}. The page comes from the mixed-key bits just below the directory's, the slot from the
     * low 32 bits, as in a segment. Same home slots, so same fill; the pages' tails take 7% more memory.
     */
    static final class PagedLinear extends Table
    {
        static final int PAGES = 8;

        /** A segment: where each of its pages' slot 0 is in the shared array. */
        static final class Segment
        {
            final int[] pageOff;

            Segment(final int[] pageOff)
            {
                this.pageOff = pageOff;
            }
        }

        final Segment[] directory;
        final int depth;
        final int capacity;

        PagedLinear(final long slots, final long seed)
        {
            super(ALIGNED_START + (1L << SegmentedLinear.depthFor(slots)) * PAGES *
                SegmentedLinear.strideFor(pageCapacityFor(slots)), seed);
            this.depth = SegmentedLinear.depthFor(slots);
            this.capacity = pageCapacityFor(slots);
            final int stride = SegmentedLinear.strideFor(capacity);
            this.directory = new Segment[1 << depth];
            for (int i = 0; i < directory.length; i++)
            {
                final int[] pageOff = new int[PAGES];
                for (int p = 0; p < PAGES; p++)
                {
                    pageOff[p] = ALIGNED_START + (i * PAGES + p) * stride;
                }
                directory[i] = new Segment(pageOff);
            }
        }

        static int pageCapacityFor(final long slots)
        {
            return (SegmentedLinear.capacityFor(slots) + PAGES - 1) / PAGES;
        }

        /** Word offset of the page holding {@code h}. */
        int page(final long h)
        {
            return directory[SegmentedLinear.segment(h, depth)].pageOff[range((h << depth) >>> 32, PAGES)];
        }

        @Override
        void put(final long key, final long value)
        {
            final long h = mix(key);
            Linear.insert(words, page(h), capacity, h, range(h, capacity), value);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            return Linear.find(words, page(h), capacity, h, range(h, capacity));
        }
    }

    /**
     * {@link SegmentedLinear} read as docref reads it: each segment object also holds a seqlock stamp, read with
     * acquire before the slots and validated after them. The slots' offset is the segment object's field, so the slot
     * loads wait for the segment object's cache line: directory, segment, slots in series.
     */
    static class StampedSegmented extends Table
    {
        static final VarHandle VERSION;

        static
        {
            try
            {
                VERSION = MethodHandles.lookup().findVarHandle(Segment.class, "version", long.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        /** A segment: where its slot 0 is in the shared array, and its seqlock stamp (always 0 here). */
        static final class Segment
        {
            final int off;
            volatile long version;

            Segment(final int off)
            {
                this.off = off;
            }
        }

        final Segment[] directory;
        /** The same offsets as the segments', in an array of their own: what {@code linear_direct} reads. */
        final int[] offsets;
        final int depth;
        final int capacity;

        StampedSegmented(final long slots, final long seed)
        {
            super(ALIGNED_START + (1L << SegmentedLinear.depthFor(slots)) *
                SegmentedLinear.strideFor(SegmentedLinear.capacityFor(slots)), seed);
            this.depth = SegmentedLinear.depthFor(slots);
            this.capacity = SegmentedLinear.capacityFor(slots);
            this.directory = new Segment[1 << depth];
            this.offsets = new int[1 << depth];
            for (int i = 0; i < directory.length; i++)
            {
                offsets[i] = ALIGNED_START + i * SegmentedLinear.strideFor(capacity);
                directory[i] = new Segment(offsets[i]);
            }
        }

        @Override
        final void put(final long key, final long value)
        {
            final long h = mix(key);
            Linear.insert(words, offsets[SegmentedLinear.segment(h, depth)], capacity, h, range(h, capacity), value);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final Segment segment = directory[SegmentedLinear.segment(h, depth)];
            final long stamp = (long)VERSION.getAcquire(segment);
            final long found = Linear.find(words, segment.off, capacity, h, range(h, capacity));
            return validated(segment, stamp, found);
        }

        /** docref's validation: nothing in flight here ever changes the stamp, so it never fails. */
        static long validated(final Segment segment, final long stamp, final long found)
        {
            VarHandle.acquireFence();
            if ((stamp & 1) != 0 || (long)VERSION.getOpaque(segment) != stamp)
            {
                throw new IllegalStateException("prototype tables are never written while read");
            }
            return found;
        }
    }

    /**
     * {@link StampedSegmented} with the slots' offset read from an array beside the directory instead of from the
     * segment object: the slot loads wait only for the directory, and the segment's stamp is fetched alongside them.
     * What docref's reader would do with a directory of block addresses next to its directory of segments.
     */
    static final class StampedDirect extends StampedSegmented
    {
        StampedDirect(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final int index = SegmentedLinear.segment(h, depth);
            final Segment segment = directory[index];
            final long stamp = (long)VERSION.getAcquire(segment);
            final long found = Linear.find(words, offsets[index], capacity, h, range(h, capacity));
            return validated(segment, stamp, found);
        }
    }

    /**
     * docref's read path replicated on a prototype, to find what in it costs: the slots off-heap, 64-byte aligned,
     * read with {@code Unsafe}; a {@code volatile} field holding a directory object (segment array and shift); the
     * segment read from it with acquire; the seqlock stamp taken with acquire, checked even, the window read, the
     * stamp validated (acquire fence, reload), all in a retry loop: {@code PresizedDocRefMap.find} and
     * {@code Segment.find} line for line, without the rest of the map. {@code map_read_unvalidated} skips only the
     * validation (unsafe with writers; there are none here).
     */
    static class MapRead extends Table
    {
        static final sun.misc.Unsafe UNSAFE;
        static final VarHandle VERSION;
        static final VarHandle SEGMENTS = MethodHandles.arrayElementVarHandle(Segment[].class);

        static
        {
            try
            {
                final java.lang.reflect.Field field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                field.setAccessible(true);
                UNSAFE = (sun.misc.Unsafe)field.get(null);
                VERSION = MethodHandles.lookup().findVarHandle(Segment.class, "version", long.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        /** A segment as docref's: its block's address and capacity, and its seqlock stamp. */
        static class Segment
        {
            final long address;
            final int capacity;
            volatile long version;

            Segment(final long address, final int capacity)
            {
                this.address = address;
                this.capacity = capacity;
            }

            /** {@code Segment.find}: the window branch-free, a hit returned at once, then the miss, then the scan. */
            long find(final long h)
            {
                final int capacity = this.capacity;
                final int home = range(h, capacity);
                final long slot = address + ((long)home << 4);
                final long stored0 = UNSAFE.getLong(slot + 8);
                final long resident0 = UNSAFE.getLong(slot);
                final long stored1 = UNSAFE.getLong(slot + 24);
                final long resident1 = UNSAFE.getLong(slot + 16);
                final long stored2 = UNSAFE.getLong(slot + 40);
                final long resident2 = UNSAFE.getLong(slot + 32);
                final long stored3 = UNSAFE.getLong(slot + 56);
                final long resident3 = UNSAFE.getLong(slot + 48);
                final long found = (stored0 & equalMask(resident0, h)) | (stored1 & equalMask(resident1, h)) |
                    (stored2 & equalMask(resident2, h)) | (stored3 & equalMask(resident3, h));
                if (found != 0)
                {
                    return found;
                }
                final long stop = ~((stored3 | -stored3) >> 63) | (((long)home - range(resident3, capacity)) >> 63);
                if (stop != 0)
                {
                    return 0;
                }
                for (long at = slot + 64; ; at += 16)
                {
                    final long stored = UNSAFE.getLong(at + 8);
                    final long resident = UNSAFE.getLong(at);
                    if (stored == 0 || range(resident, capacity) > home)
                    {
                        return 0;
                    }
                    if (resident == h)
                    {
                        return stored;
                    }
                }
            }
        }

        /** docref's {@code Directory}: the segments and the shift that selects one by the top bits. */
        static final class Directory
        {
            final Segment[] segments;
            final int shift;

            Directory(final Segment[] segments, final int depth)
            {
                this.segments = segments;
                this.shift = 63 - depth;
            }
        }

        volatile Directory directory;
        private final long block;

        MapRead(final long slots, final long seed)
        {
            this(slots, seed, 0);
        }

        /** A segment object padded to 48 bytes: the fields are never read. */
        static final class Segment48 extends Segment
        {
            int a;
            int b;
            int c;
            int d;

            Segment48(final long address, final int capacity)
            {
                super(address, capacity);
            }
        }

        /** A segment object padded to 64 bytes, docref's size: the fields are never read. */
        static final class Segment64 extends Segment
        {
            int a;
            int b;
            int c;
            int d;
            int e;
            int f;
            int g;

            Segment64(final long address, final int capacity)
            {
                super(address, capacity);
            }
        }

        /**
         * With {@code objectBytes} not 0, each segment's slots are a block of their own, allocated one by one as the
         * map's are, and each segment object takes {@code objectBytes} (32, 48 or 64), all allocated one after another.
         */
        MapRead(final long slots, final long seed, final int objectBytes)
        {
            super(0, seed);
            if (objectBytes != 0)
            {
                // Twice as many segments of half the size: about 7,250 home slots at 100M (the map's 7,103), blocks of
                // about 117 KiB, which glibc's malloc takes from its heap rather than mapping one by one, as the map's.
                final int depth = SegmentedLinear.depthFor(slots) + 1;
                final int capacity = (int)((slots + (1L << depth) - 1) >> depth);
                final long bytes = 16L * (capacity + 72);
                final long[] addresses = new long[1 << depth];
                for (int i = 0; i < addresses.length; i++)
                {
                    addresses[i] = UNSAFE.allocateMemory(bytes);
                    UNSAFE.setMemory(addresses[i], bytes, (byte)0);
                }
                final Segment[] segments = new Segment[1 << depth];
                for (int i = 0; i < segments.length; i++)
                {
                    segments[i] = objectBytes == 32 ? new Segment(addresses[i], capacity) : objectBytes == 48 ?
                        new Segment48(addresses[i], capacity) : new Segment64(addresses[i], capacity);
                }
                block = 0;
                directory = new Directory(segments, depth);
                return;
            }
            final int depth = SegmentedLinear.depthFor(slots);
            final int capacity = SegmentedLinear.capacityFor(slots);
            final long stride = 8L * SegmentedLinear.strideFor(capacity);
            block = UNSAFE.allocateMemory((stride << depth) + 64);
            UNSAFE.setMemory(block, (stride << depth) + 64, (byte)0);
            final long aligned = (block + 63) & -64L;
            final Segment[] segments = new Segment[1 << depth];
            for (int i = 0; i < segments.length; i++)
            {
                segments[i] = new Segment(aligned + i * stride, capacity);
            }
            directory = new Directory(segments, depth);
        }

        @Override
        void free()
        {
            if (block != 0)
            {
                UNSAFE.freeMemory(block);
                return;
            }
            for (final Segment segment : directory.segments)
            {
                UNSAFE.freeMemory(segment.address);
            }
        }

        @Override
        final void put(final long key, final long value)
        {
            final long h = mix(key);
            final Segment segment = directory.segments[(int)((h >>> 1) >>> directory.shift)];
            final int capacity = segment.capacity;
            final int home = range(h, capacity);
            long at = segment.address + ((long)home << 4);
            while (UNSAFE.getLong(at + 8) != 0 && range(UNSAFE.getLong(at), capacity) <= home)
            {
                if (UNSAFE.getLong(at) == h)
                {
                    UNSAFE.putLong(at + 8, ~value);
                    return;
                }
                at += 16;
            }
            long empty = at;
            while (UNSAFE.getLong(empty + 8) != 0)
            {
                empty += 16;
            }
            if (empty >= segment.address + ((long)(capacity + 64) << 4))
            {
                throw new IllegalStateException("map_read prototype: spilled past its overflow slots");
            }
            UNSAFE.copyMemory(at, at + 16, empty - at);
            UNSAFE.putLong(at, h);
            UNSAFE.putLong(at + 8, ~value);
        }

        @Override
        long get(final long key)
        {
            final long stored = find(mix(key));
            return stored == 0 ? MISSING : ~stored;
        }

        /** {@code PresizedDocRefMap.find}. */
        long find(final long h)
        {
            Directory directory = this.directory;
            while (true)
            {
                final Segment segment = (Segment)SEGMENTS.getAcquire(directory.segments,
                    (int)((h >>> 1) >>> directory.shift));
                final long stamp = (long)VERSION.getAcquire(segment);
                if ((stamp & 1) == 0)
                {
                    final long stored = segment.find(h);
                    VarHandle.acquireFence();
                    if ((long)VERSION.getOpaque(segment) == stamp)
                    {
                        return stored;
                    }
                }
                else
                {
                    directory = this.directory;
                    Thread.onSpinWait();
                }
            }
        }
    }

    /**
     * {@link MapRead} validating with a plain reload of the stamp and no fence before it: wrong under the Java memory
     * model (the reload may be ordered before the slot loads); measurement only, to tell the fence's cost from the
     * reload's.
     */
    static final class MapReadNoFence extends MapRead
    {
        MapReadNoFence(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long find(final long h)
        {
            Directory directory = this.directory;
            while (true)
            {
                final Segment segment = (Segment)SEGMENTS.getAcquire(directory.segments,
                    (int)((h >>> 1) >>> directory.shift));
                final long stamp = (long)VERSION.getAcquire(segment);
                if ((stamp & 1) == 0)
                {
                    final long stored = segment.find(h);
                    if ((long)VERSION.get(segment) == stamp)
                    {
                        return stored;
                    }
                }
                else
                {
                    directory = this.directory;
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** {@link MapRead} with the acquire fence after the window but no reload of the stamp: measurement only. */
    static final class MapReadFenceOnly extends MapRead
    {
        MapReadFenceOnly(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long find(final long h)
        {
            Directory directory = this.directory;
            while (true)
            {
                final Segment segment = (Segment)SEGMENTS.getAcquire(directory.segments,
                    (int)((h >>> 1) >>> directory.shift));
                final long stamp = (long)VERSION.getAcquire(segment);
                if ((stamp & 1) == 0)
                {
                    final long stored = segment.find(h);
                    VarHandle.acquireFence();
                    return stored;
                }
                directory = this.directory;
                Thread.onSpinWait();
            }
        }
    }

    /** {@link MapRead} without the validation after the window. */
    static final class MapReadUnvalidated extends MapRead
    {
        MapReadUnvalidated(final long slots, final long seed)
        {
            super(slots, seed);
        }

        @Override
        long find(final long h)
        {
            Directory directory = this.directory;
            while (true)
            {
                final Segment segment = (Segment)SEGMENTS.getAcquire(directory.segments,
                    (int)((h >>> 1) >>> directory.shift));
                final long stamp = (long)VERSION.getAcquire(segment);
                if ((stamp & 1) == 0)
                {
                    return segment.find(h);
                }
                directory = this.directory;
                Thread.onSpinWait();
            }
        }
    }

    /** Two-choice cuckoo hashing with 4-slot, 64-byte buckets; value stored as {@code ~v}, 0 = empty slot. */
    /**
     * docref's Robin Hood order with keys and values in two regions of the table rather than side by side in
     * 16-byte slots, as fastutil keeps two arrays: a window of 8 keys is one cache line (or two), as a window of 4
     * slots is today. Slot {@code i}'s mixed key is at word {@code KEYS + i}, its value word ({@code ~value}) at
     * {@code values + i}; a key word of 0 marks an empty slot, so a probe needs only the keys (a real map would keep
     * the one key that mixes to 0 outside the table, as fastutil keeps its null key). Variants by lookup:
     * <ul>
     *     <li>{@code split}: the 4 keys from home and their 4 values loaded together, selected with masks as
     *     {@link #window} does, the miss decided after the hit, then a key-at-a-time scan;</li>
     *     <li>{@code split8}: the same with 8 keys and 8 values;</li>
     *     <li>{@code split_branchy}: a key at a time with a branch per comparison, fastutil's probe plus the Robin
     *     Hood stop.</li>
     * </ul>
     */
    static final class Split extends Table
    {
        static final int KEYS = ALIGNED_START;

        final int capacity;
        final int values;
        final int window;

        Split(final long slots, final long seed, final int window)
        {
            super(wordsFor(slots), seed);
            this.capacity = (int)slots;
            this.values = KEYS + regionWords(slots);
            this.window = window;
        }

        /** Words of one region: the home slots, docref's 64 tail and 8 guard slots, rounded up to a cache line. */
        static int regionWords(final long slots)
        {
            return (int)((slots + 72 + 7) & ~7L);
        }

        static long wordsFor(final long slots)
        {
            return KEYS + 2L * regionWords(slots);
        }

        @Override
        void put(final long key, final long value)
        {
            final long h = mix(key);
            if (h == 0)
            {
                throw new IllegalStateException("split prototype: a key mixed to 0, which marks an empty slot");
            }
            final long[] w = words;
            final int home = range(h, capacity);
            int i = home;
            while (w[KEYS + i] != 0 && range(w[KEYS + i], capacity) <= home)
            {
                if (w[KEYS + i] == h)
                {
                    w[values + i] = ~value;
                    return;
                }
                i++;
            }
            int empty = i;
            while (w[KEYS + empty] != 0)
            {
                empty++;
            }
            if (empty >= capacity + 64)
            {
                throw new IllegalStateException("split prototype: spilled past its overflow slots");
            }
            System.arraycopy(w, KEYS + i, w, KEYS + i + 1, empty - i);
            System.arraycopy(w, values + i, w, values + i + 1, empty - i);
            w[KEYS + i] = h;
            w[values + i] = ~value;
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final int home = range(h, capacity);
            return window == 8 ? find8(h, home) : window == 4 ? find4(h, home) : branchy(h, home);
        }

        private long find4(final long h, final int home)
        {
            final long[] w = words;
            final int k = KEYS + home;
            final int v = values + home;
            final long found = (w[v] & equalMask(w[k], h)) | (w[v + 1] & equalMask(w[k + 1], h)) |
                (w[v + 2] & equalMask(w[k + 2], h)) | (w[v + 3] & equalMask(w[k + 3], h));
            if (found != 0)
            {
                return ~found;
            }
            return stopped(w[k + 3], home) ? MISSING : scan(h, home, home + 4);
        }

        private long find8(final long h, final int home)
        {
            final long[] w = words;
            final int k = KEYS + home;
            final int v = values + home;
            final long found = (w[v] & equalMask(w[k], h)) | (w[v + 1] & equalMask(w[k + 1], h)) |
                (w[v + 2] & equalMask(w[k + 2], h)) | (w[v + 3] & equalMask(w[k + 3], h)) |
                (w[v + 4] & equalMask(w[k + 4], h)) | (w[v + 5] & equalMask(w[k + 5], h)) |
                (w[v + 6] & equalMask(w[k + 6], h)) | (w[v + 7] & equalMask(w[k + 7], h));
            if (found != 0)
            {
                return ~found;
            }
            return stopped(w[k + 7], home) ? MISSING : scan(h, home, home + 8);
        }

        /** Whether a window whose last key is {@code last} shows the key cannot be further on. */
        private boolean stopped(final long last, final int home)
        {
            return (~((last | -last) >> 63) | (((long)home - range(last, capacity)) >> 63)) != 0;
        }

        private long scan(final long h, final int home, final int from)
        {
            final long[] w = words;
            for (int i = from; ; i++)
            {
                final long resident = w[KEYS + i];
                if (resident == h)
                {
                    return ~w[values + i];
                }
                if (resident == 0 || range(resident, capacity) > home)
                {
                    return MISSING;
                }
            }
        }

        private long branchy(final long h, final int home)
        {
            return scan(h, home, home);
        }
    }

    static final class Cuckoo extends Table
    {
        private static final int MAX_KICKS = 1000;
        private final int buckets;
        private final SplittableRandom kicks = new SplittableRandom(1);

        Cuckoo(final long slots, final long seed)
        {
            super(8 * ((slots + 3) / 4) + ALIGNED_START, seed);
            this.buckets = (int)((slots + 3) / 4);
        }

        private int first(final long h)
        {
            return range(h, buckets);
        }

        /** From the high half of a second multiply, independent of the low 32 bits {@link #first} uses. */
        private int second(final long h)
        {
            final int b = range((h * 0x9E3779B97F4A7C15L) >>> 32, buckets);
            return b != first(h) ? b : (b + 1 == buckets ? 0 : b + 1);
        }

        private int base(final int bucket)
        {
            return ALIGNED_START + 8 * bucket;
        }

        @Override
        void put(final long key, final long value)
        {
            long h = mix(key);
            long stored = ~value;
            final int b1 = base(first(h));
            final int b2 = base(second(h));
            for (int s = 0; s < 8; s += 2)
            {
                if (words[b1 + s + 1] != 0 && words[b1 + s] == h)
                {
                    words[b1 + s + 1] = stored;
                    return;
                }
                if (words[b2 + s + 1] != 0 && words[b2 + s] == h)
                {
                    words[b2 + s + 1] = stored;
                    return;
                }
            }
            int bucket = first(h);
            for (int kick = 0; kick < MAX_KICKS; kick++)
            {
                if (place(base(bucket), h, stored) || place(base(alternate(h, bucket)), h, stored))
                {
                    return;
                }
                // Both full: evict a random resident of this bucket and move it to its other bucket.
                final int victim = base(bucket) + 2 * kicks.nextInt(4);
                final long evictedH = words[victim];
                final long evictedStored = words[victim + 1];
                words[victim] = h;
                words[victim + 1] = stored;
                h = evictedH;
                stored = evictedStored;
                bucket = alternate(h, bucket);
            }
            throw new IllegalStateException("cuckoo prototype: no free slot after " + MAX_KICKS + " evictions");
        }

        private int alternate(final long h, final int bucket)
        {
            final int f = first(h);
            return bucket == f ? second(h) : f;
        }

        private boolean place(final int b, final long h, final long stored)
        {
            for (int s = 0; s < 8; s += 2)
            {
                if (words[b + s + 1] == 0)
                {
                    words[b + s] = h;
                    words[b + s + 1] = stored;
                    return true;
                }
            }
            return false;
        }

        @Override
        long get(final long key)
        {
            final long h = mix(key);
            final long[] w = words;
            final int b = base(first(h));
            long found = window(w, b, h);
            if (found == 0)
            {
                found = window(w, base(second(h)), h);
            }
            return found == 0 ? MISSING : ~found;
        }
    }
}

package dev.docref.bench;

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
 *     <li>{@code fastutil}: fastutil's {@code Long2LongOpenHashMap} at the nearest power-of-two table, the reference.</li>
 * </ul>
 * Both are filled to {@code fill} (entries / slots) with {@code size} random keys; the get benchmarks walk a shuffled
 * copy of the keys (hits) or absent keys (misses), as {@link GetHitBenchmark} and {@link GetMissBenchmark} do.
 * Tables are on-heap {@code long[]} arrays large enough to be G1 humongous objects, which start at a region
 * boundary, so the array's element 6 is 64-byte aligned (16-byte array header); the cuckoo buckets start there.
 * <p>
 * Run (every layout at two fills, about 17 minutes):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar ProbeLayoutBenchmark -f 2 -p fill=0.875,0.5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgs = {"-Xms4g", "-Xmx4g"})
public class ProbeLayoutBenchmark
{
    @Param({"linear", "linear_combined", "linear_branchy", "linear_hybrid", "cuckoo", "fastutil"})
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
        final long[] keys = Keys.distinct(size, Keys.KEY_SEED);
        table = Table.create(layout, (long)Math.ceil(size / fill), Keys.KEY_SEED);
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
                case "fastutil":
                    return new FastutilTable(slots);
                default:
                    throw new IllegalArgumentException("layout must be linear, linear_combined, linear_branchy, " +
                        "linear_hybrid, cuckoo or fastutil but was '" + layout + "'");
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

    /** Robin Hood linear probing, docref's {@code Segment} layout on one flat table; value stored as {@code ~v}. */
    static class Linear extends Table
    {
        final int capacity;

        Linear(final long slots, final long seed)
        {
            // 64 overflow slots and 8 always-empty guard slots after the home slots, as in a docref segment.
            super(2 * (slots + 72) + ALIGNED_START, seed);
            this.capacity = (int)slots;
        }

        final int base(final int slot)
        {
            return ALIGNED_START + 2 * slot;
        }

        @Override
        void put(final long key, final long value)
        {
            final long h = mix(key);
            final int home = range(h, capacity);
            int i = home;
            while (words[base(i) + 1] != 0 && range(words[base(i)], capacity) <= home)
            {
                if (words[base(i)] == h)
                {
                    words[base(i) + 1] = ~value;
                    return;
                }
                i++;
            }
            int empty = i;
            while (words[base(empty) + 1] != 0)
            {
                empty++;
            }
            if (empty >= capacity + 64)
            {
                throw new IllegalStateException("linear prototype: spilled past its overflow slots");
            }
            System.arraycopy(words, base(i), words, base(i + 1), 2 * (empty - i));
            words[base(i)] = h;
            words[base(i) + 1] = ~value;
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
            final long[] w = words;
            final int b = base(home);
            final long found = window(w, b, h);
            if (found != 0)
            {
                return ~found;
            }
            return stop(w, b, home) != 0 ? MISSING : scan(h, home);
        }

        /** All ones when the window's last slot shows {@code h} cannot be further on (empty, or homed later). */
        final long stop(final long[] w, final int b, final int home)
        {
            final long stored3 = w[b + 7];
            return ~((stored3 | -stored3) >> 63) | (((long)home - range(w[b + 6], capacity)) >> 63);
        }

        /** The slot-at-a-time scan after the first window; the linear variants share it. */
        final long scan(final long h, final int home)
        {
            final long[] w = words;
            for (int i = home + 4; ; i++)
            {
                final long stored = w[base(i) + 1];
                final long resident = w[base(i)];
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

    /** Two-choice cuckoo hashing with 4-slot, 64-byte buckets; value stored as {@code ~v}, 0 = empty slot. */
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

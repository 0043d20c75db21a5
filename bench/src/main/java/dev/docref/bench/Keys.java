package dev.docref.bench;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Random benchmark keys: distinct, reproducible from a seed, with shuffled copies for the access order, absent keys
 * for misses, and the checks every benchmark runs on its map before measuring.
 * <p>
 * The keys of one seed are distinct by construction: {@link SplittableRandom#nextLong()} applies a bijective mix to
 * a state that advances by an odd constant, so one stream repeats no value within 2^64 calls. The value stored for
 * {@code keys[i]} is {@code i}, never {@link LongMap#MISSING}.
 * <p>
 * Stateless and thread-safe; the arrays it returns belong to the caller.
 */
public final class Keys
{
    /** Seed of the keys every benchmark inserts. */
    public static final long KEY_SEED = 20261129L;
    /** Seed of the access order, so the lookups do not follow the insertion order. */
    public static final long SHUFFLE_SEED = 0x5EEDL;
    /** Seed of the keys a miss benchmark looks up. */
    public static final long MISS_SEED = -7L;

    /** Keys checked one by one after filling; all of them up to this many. */
    private static final int VERIFIED_SAMPLE = 100_000;

    private Keys()
    {
    }

    /** Heap bytes of an array of {@code n} keys: a 16-byte header and 8 bytes a key. */
    public static long arrayBytes(final long n)
    {
        return 16 + 8 * n;
    }

    /** {@code n} distinct random keys. */
    public static long[] distinct(final int n, final long seed)
    {
        final long[] keys = new long[n];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++)
        {
            keys[i] = random.nextLong();
        }
        return keys;
    }

    /** A copy of {@code keys} in Fisher-Yates shuffled order. */
    public static long[] shuffled(final long[] keys, final long seed)
    {
        final long[] copy = keys.clone();
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = copy.length - 1; i > 0; i--)
        {
            final int j = random.nextInt(i + 1);
            final long swap = copy[i];
            copy[i] = copy[j];
            copy[j] = swap;
        }
        return copy;
    }

    /** {@code n} random keys that {@code map} does not hold (any key it holds is replaced by a fresh one). */
    public static long[] absent(final int n, final long seed, final LongMap map)
    {
        final long[] keys = new long[n];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++)
        {
            long key = random.nextLong();
            while (map.get(key) != LongMap.MISSING)
            {
                key = random.nextLong();
            }
            keys[i] = key;
        }
        return keys;
    }

    /** The index after {@code i} in an array of {@code length}: {@code i + 1}, or 0 after the last. */
    static int following(final int i, final int length)
    {
        final int next = i + 1;
        return next == length ? 0 : next;
    }

    /** Put {@code keys[i] -> i} for every i, in array order, and check the result. */
    public static LongMap fill(final LongMap map, final long[] keys)
    {
        for (int i = 0; i < keys.length; i++)
        {
            map.set(keys[i], i);
        }
        verifyFilled(map, keys);
        return map;
    }

    /** Check that {@code map} holds exactly {@code keys[i] -> i}: its size and a sample of its entries. */
    public static void verifyFilled(final LongMap map, final long[] keys)
    {
        if (map.size() != keys.length)
        {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s holds %,d entries after %,d distinct puts",
                map.getClass().getSimpleName(), map.size(), keys.length));
        }
        final int step = Math.max(1, keys.length / VERIFIED_SAMPLE);
        for (int i = 0; i < keys.length; i += step)
        {
            final long value = map.get(keys[i]);
            if (value != i)
            {
                throw new IllegalStateException(String.format(Locale.ROOT, "%s returned %d for key #%d (%d); " +
                    "expected %d", map.getClass().getSimpleName(), value, i, keys[i], i));
            }
        }
    }

    /** The sum of {@link LongMap.Checksum#of(long, long)} over {@code keys[i] -> i}. */
    public static long checksum(final long[] keys)
    {
        long sum = 0;
        for (int i = 0; i < keys.length; i++)
        {
            sum += LongMap.Checksum.of(keys[i], i);
        }
        return sum;
    }

    /** Check a benchmark's {@code size} parameter: at least {@code minimum} (remove needs two, to remove half). */
    public static int requireSize(final int size, final int minimum, final String benchmark)
    {
        if (size < minimum)
        {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: size %d is below its minimum of %d; " +
                "pass -p size=N with a larger N, for example -p size=1000000", benchmark, size, minimum));
        }
        return size;
    }
}

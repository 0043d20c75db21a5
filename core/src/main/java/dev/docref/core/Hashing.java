package dev.docref.core;

/**
 * The key mixer: a seeded bijection on 64-bit values and its inverse.
 * <p>
 * docref stores the <em>mixed</em> key, not the key, in each slot (see {@link Segment}). Because the mixer is a
 * bijection, the key is recovered exactly by {@link #unmix(long, long)} when iterating, and a probe loop can compute
 * any resident's home slot from the stored word without re-hashing it.
 * <p>
 * The mixer is MurmurHash3's 64-bit finaliser ({@code fmix64}) applied to {@code key ^ seed}. Each of its steps is
 * invertible: an xor-shift by 33 (at least half the word) is its own inverse, and multiplication by an odd constant
 * is undone by multiplying by its inverse modulo 2^64. It avalanches: every input bit flips each output bit with
 * probability close to 1/2, so sequential ids, strides of 2^k and keys with all-zero low bits spread evenly. The top
 * bits of the result pick the segment and the low 32 bits pick the slot, so the two choices are independent and a
 * split does not cluster either half.
 * <p>
 * <b>Thread-safety:</b> stateless.
 */
final class Hashing
{
    private static final long C1 = 0xff51afd7ed558ccdL;
    private static final long C2 = 0xc4ceb9fe1a85ec53L;
    private static final long C1_INVERSE = inverse(C1);
    private static final long C2_INVERSE = inverse(C2);

    private Hashing()
    {
    }

    /**
     * Mix a key with a seed.
     *
     * @param key  any 64-bit key.
     * @param seed the map's seed.
     * @return the mixed key, a bijection of {@code key} for a fixed {@code seed}.
     */
    static long mix(final long key, final long seed)
    {
        long h = key ^ seed;
        h ^= h >>> 33;
        h *= C1;
        h ^= h >>> 33;
        h *= C2;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Undo {@link #mix(long, long)}.
     *
     * @param mixed a value returned by {@code mix(key, seed)}.
     * @param seed  the same seed.
     * @return the key.
     */
    static long unmix(final long mixed, final long seed)
    {
        long h = mixed;
        h ^= h >>> 33;
        h *= C2_INVERSE;
        h ^= h >>> 33;
        h *= C1_INVERSE;
        h ^= h >>> 33;
        return h ^ seed;
    }

    /**
     * The multiplicative inverse of an odd number modulo 2^64, by Newton's iteration: each step doubles the number of
     * correct low bits, and {@code x = a} is already correct to 3 bits for odd {@code a}, so five steps give 96 bits.
     */
    static long inverse(final long odd)
    {
        if ((odd & 1) == 0)
        {
            throw new IllegalArgumentException("only odd numbers are invertible modulo 2^64: " + odd);
        }
        long x = odd;
        for (int i = 0; i < 5; i++)
        {
            x *= 2 - odd * x;
        }
        return x;
    }
}

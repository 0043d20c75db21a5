package dev.docref.core;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashingTest
{
    @Test
    void unmixInvertsMixForEdgeAndRandomKeys()
    {
        final SplittableRandom random = new SplittableRandom(1);
        final long[] edges = { 0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE };
        for (int i = 0; i < 1_000_000; i++)
        {
            final long seed = i < 100 ? edges[i % edges.length] : random.nextLong();
            final long key = i < 25 ? edges[i / 5] : random.nextLong();
            assertEquals(key, Hashing.unmix(Hashing.mix(key, seed), seed));
        }
    }

    @Test
    void inverseIsTheMultiplicativeInverseModulo2To64()
    {
        final SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 10_000; i++)
        {
            final long odd = random.nextLong() | 1;
            assertEquals(1L, odd * Hashing.inverse(odd));
        }
        assertThrows(IllegalArgumentException.class, () -> Hashing.inverse(42));
    }

    @Test
    void mixAvalanchesSoEachInputBitFlipsAboutHalfTheOutputBits()
    {
        final SplittableRandom random = new SplittableRandom(3);
        final int samples = 20_000;
        for (int bit = 0; bit < 64; bit++)
        {
            long flipped = 0;
            for (int i = 0; i < samples; i++)
            {
                final long key = random.nextLong();
                flipped += Long.bitCount(Hashing.mix(key, 99) ^ Hashing.mix(key ^ (1L << bit), 99));
            }
            final double mean = (double)flipped / samples;
            assertTrue(mean > 31 && mean < 33, "input bit " + bit + " flips " + mean + " output bits on average");
        }
    }
}

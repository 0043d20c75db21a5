package dev.docref.core;

/** Every test of {@link ThreadSafePresizedDocRefMapTest}, on maps that grow by size classes. */
class CompactThreadSafePresizedDocRefMapTest extends ThreadSafePresizedDocRefMapTest
{
    @Override
    Growth growth()
    {
        return Growth.COMPACT;
    }
}

package dev.docref.core;

/** Every test of {@link SingleThreadedPresizedDocRefMapTest}, on maps that grow by size classes. */
class CompactSingleThreadedPresizedDocRefMapTest extends SingleThreadedPresizedDocRefMapTest
{
    @Override
    Growth growth()
    {
        return Growth.COMPACT;
    }
}

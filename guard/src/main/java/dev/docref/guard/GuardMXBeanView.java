package dev.docref.guard;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@link AllocationGuardMXBean} of one guard: a view that delegates to it, so the guard's own API keeps its
 * accessor names without {@code get}.
 * <p>
 * <b>Thread-safety:</b> as the guard's: every method is safe from any thread.
 */
final class GuardMXBeanView implements AllocationGuardMXBean
{
    private final AllocationGuard guard;

    GuardMXBeanView(final AllocationGuard guard)
    {
        this.guard = guard;
    }

    public String getMode()
    {
        return guard.mode().name().toLowerCase(Locale.ROOT);
    }

    public void setMode(final String mode)
    {
        guard.set(AllocationGuard.MODE_PROP_NAME, mode);
    }

    public long getSingleAllocationLimit()
    {
        return guard.singleAllocationLimit();
    }

    public void setSingleAllocationLimit(final long bytes)
    {
        guard.set(AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME, Long.toString(bytes));
    }

    public long getTotalLimit()
    {
        return guard.totalLimit();
    }

    public void setTotalLimit(final long bytes)
    {
        guard.set(AllocationGuard.TOTAL_LIMIT_PROP_NAME, Long.toString(bytes));
    }

    public long getWarnIntervalMillis()
    {
        return guard.warnInterval().toMillis();
    }

    public void setWarnIntervalMillis(final long millis)
    {
        guard.set(AllocationGuard.WARN_INTERVAL_PROP_NAME, millis + "ms");
    }

    public String getConfigFile()
    {
        final Path file = guard.configFile();
        return file == null ? "" : file.toString();
    }

    public long getChecks()
    {
        return guard.checks();
    }

    public long getWarnings()
    {
        return guard.warnings();
    }

    public long getBlocks()
    {
        return guard.blocks();
    }

    public long getReservedBytes()
    {
        return guard.reservedBytes();
    }

    public long getLargestRequestBytes()
    {
        return guard.largestRequestBytes();
    }
}

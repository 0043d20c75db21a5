package dev.docref.guard;

/**
 * The management view of one {@link AllocationGuard}, registered in the platform MBeanServer as
 * {@code dev.docref:type=AllocationGuard,name=<name>} (the global guard's name is {@code global}).
 * <p>
 * The mode and limits are settable (from JConsole, JMC or any JMX client); a setter validates exactly as
 * {@link AllocationGuard#reconfigure(java.util.Properties)} does and throws {@link IllegalArgumentException} for a
 * bad value, leaving the configuration unchanged. Counters run from the guard's creation and only count decisions
 * made while the mode was not {@code OFF}.
 * <p>
 * <b>Thread-safety:</b> every method is safe from any thread.
 */
public interface AllocationGuardMXBean
{
    /** @return {@code off}, {@code warn} or {@code block}. */
    String getMode();

    /** @param mode {@code off}, {@code warn} or {@code block}, case-insensitive. */
    void setMode(String mode);

    /** @return the single-allocation limit in bytes ({@link Long#MAX_VALUE} = unlimited). */
    long getSingleAllocationLimit();

    /** @param bytes the new single-allocation limit, 0 or more. */
    void setSingleAllocationLimit(long bytes);

    /** @return the total limit in bytes ({@link Long#MAX_VALUE} = unlimited). */
    long getTotalLimit();

    /** @param bytes the new total limit, 0 or more ({@link Long#MAX_VALUE} = unlimited). */
    void setTotalLimit(long bytes);

    /** @return the minimum time between two logged warnings for the same {@code what}, in milliseconds. */
    long getWarnIntervalMillis();

    /** @param millis the new minimum time between logged warnings for the same {@code what}, 0 or more. */
    void setWarnIntervalMillis(long millis);

    /** @return the watched config file, or an empty string. */
    String getConfigFile();

    /** @return decisions made: calls of {@code check}, {@code checkResize} and {@code reserve}. */
    long getChecks();

    /** @return decisions that warned. */
    long getWarnings();

    /** @return decisions that blocked. */
    long getBlocks();

    /** @return bytes reserved against the total limit now. */
    long getReservedBytes();

    /** @return the largest request checked or reserved. */
    long getLargestRequestBytes();
}

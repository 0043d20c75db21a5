package dev.docref.trap;

/**
 * What made the trap capture. Its {@link #slug()} ends the capture directory's name.
 * <p>
 * <b>Thread-safety:</b> an enum; immutable.
 */
public enum Trigger
{
    /** The health probe did not return within its deadline; the watchdog noticed while it still hung. */
    PROBE_DEADLINE("probe-deadline"),
    /** The health probe failed the configured number of times in a row. */
    PROBE_FAILURES("probe-failures"),
    /** The stall detector overslept by more than the threshold: the whole process stalled. */
    STALL("stall"),
    /** The allocation guard warned about an allocation over a limit (WARN mode), before it proceeded. */
    GUARD_WARNING("guard"),
    /** {@link FreezeTrap#captureNow(String)}. */
    MANUAL("manual");

    private final String slug;

    Trigger(final String slug)
    {
        this.slug = slug;
    }

    /** @return the lower-case name used in directory names and {@code summary.json}, e.g. {@code probe-deadline}. */
    public String slug()
    {
        return slug;
    }
}

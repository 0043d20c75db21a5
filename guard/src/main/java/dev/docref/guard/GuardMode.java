package dev.docref.guard;

/**
 * What an {@link AllocationGuard} does with an allocation over one of its limits.
 * <p>
 * Set through {@link AllocationGuard#MODE_PROP_NAME} ({@code docref.guard.mode=off|warn|block}, case-insensitive),
 * {@link AllocationGuard#reconfigure(java.util.Properties)}, the watched config file or the MXBean.
 */
public enum GuardMode
{
    /** No checks: {@code check} returns at once; {@code reserve} and {@code release} only keep the accounting. */
    OFF,
    /** Allow the allocation, but log it (rate-limited per {@code what}), notify listeners and emit a JFR event. */
    WARN,
    /** Refuse the allocation: throw {@link AllocationBlockedException} before anything is allocated. */
    BLOCK
}

package dev.docref.guard;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The JFR event {@value #NAME}: one allocation an {@link AllocationGuard} warned about or blocked.
 * <p>
 * Enabled by default in every recording, with the allocating thread's stack trace. Allowed allocations emit no
 * event: a growing map checks one allocation per segment split, and those are not news.
 * <p>
 * <b>Thread-safety:</b> one instance per decision, created, filled and committed on the allocating thread.
 */
@Name(AllocationGuardEvent.NAME)
@Label("Allocation Guard")
@Category("docref")
@Description("An allocation over a docref guard limit, warned about or blocked")
@StackTrace(true)
final class AllocationGuardEvent extends Event
{
    /** The event's name in recordings. */
    static final String NAME = "dev.docref.AllocationGuard";

    @Label("Bytes")
    @Description("Bytes asked for")
    @DataAmount
    long bytes;

    @Label("Limit")
    @Description("The limit the request was over, in bytes (Long.MAX_VALUE = unlimited)")
    @DataAmount
    long limit;

    @Label("What")
    @Description("The caller's description of the allocation")
    String what;

    @Label("Decision")
    @Description("WARNED or BLOCKED")
    String decision;
}

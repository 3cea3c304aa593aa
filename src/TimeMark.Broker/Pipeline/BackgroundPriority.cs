using System.Runtime.InteropServices;

namespace TimeMark.Broker.Pipeline;

/// <summary>
/// Lowers the calling thread's CPU priority to Linux's lowest (nice 19), so work that can wait, such as deferred
/// checks, takes only the CPU time that marking leaves idle.
/// </summary>
/// <remarks>
/// .NET's <see cref="Thread.Priority"/> does nothing on Linux (dotnet/runtime#91165): under the default scheduler only
/// the nice value counts. On Linux the nice value belongs to the thread, and setpriority(PRIO_PROCESS, 0, …) names the
/// calling thread (setpriority(2), BUGS). Raising one's own nice value needs no privilege.
/// </remarks>
internal static partial class BackgroundPriority
{
    /// <summary>The nice value given: the lowest priority; a nice-0 thread gets about 68 times its CPU share.</summary>
    public const int Nice = 19;

    private const int PrioProcess = 0;

    /// <summary>Lowers the calling thread's priority.</summary>
    /// <returns>Null when lowered; otherwise why not (not Linux, or the call failed).</returns>
    public static string? LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
            return "thread priority is lowered on Linux only";
        return SetPriority(PrioProcess, 0, Nice) == 0 ? null : $"setpriority failed with errno {Marshal.GetLastPInvokeError()}";
    }

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);
}

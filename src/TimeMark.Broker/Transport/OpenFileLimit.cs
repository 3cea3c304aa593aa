using System.Globalization;

namespace TimeMark.Broker.Transport;

/// <summary>
/// How many MQTT connections the process can hold: its open-file limit (RLIMIT_NOFILE, soft) minus a reserve.
/// </summary>
/// <remarks>
/// Each connection is one file descriptor. When a process runs out of them, accept fails, and worse, the .NET
/// runtime cannot map memory for new code and stops with "Out of memory." (seen here under ulimit -n 300). The
/// reserve keeps descriptors for the runtime, the evidence log, the HTTP API and the device keys.
/// </remarks>
public static class OpenFileLimit
{
    /// <summary>Descriptors kept for everything but MQTT connections; the broker holds about 230 at start.</summary>
    public const int Reserve = 512;

    /// <summary>The connection capacity, at least 1; unbounded where the limit cannot be read (not Linux).</summary>
    public static int ConnectionCapacity() => ConnectionCapacity(ReadSoftLimit());

    /// <param name="softLimit">The soft open-file limit; null when unknown or unlimited.</param>
    public static int ConnectionCapacity(long? softLimit) =>
        softLimit is long limit ? (int)Math.Clamp(limit - Reserve, 1, int.MaxValue) : int.MaxValue;

    /// <summary>The soft limit from /proc/self/limits ("Max open files  SOFT  HARD  files"); null when unknown or unlimited.</summary>
    private static long? ReadSoftLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                    continue;
                string[] fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}

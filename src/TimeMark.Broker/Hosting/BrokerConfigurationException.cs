namespace TimeMark.Broker.Hosting;

/// <summary>The broker's configuration cannot be used; <see cref="Problems"/> names each bad key.</summary>
public sealed class BrokerConfigurationException : Exception
{
    public BrokerConfigurationException(IReadOnlyList<string> problems, Exception? inner = null)
        : base("configuration: " + string.Join("; ", problems), inner)
    {
        Problems = problems;
    }

    public BrokerConfigurationException() : this(["unknown problem"]) { }

    public BrokerConfigurationException(string message) : this([message]) { }

    public BrokerConfigurationException(string message, Exception inner) : this([message], inner) { }

    public IReadOnlyList<string> Problems { get; }
}

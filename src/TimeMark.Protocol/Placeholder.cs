namespace TimeMark.Protocol; internal static class Placeholder {}

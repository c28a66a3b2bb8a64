import B

public let c = b

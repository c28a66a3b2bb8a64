import C

@testable import B

let text = """
    import Nothing
    """

public let a = c + b

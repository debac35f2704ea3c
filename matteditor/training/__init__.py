"""Training the matting network: synthetic composites, trimaps, the train command.

Nothing here is needed at inference time.
"""

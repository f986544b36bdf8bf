# Reliability tests (issue 6): crash injection, storage faults, leak scan,
# bad input; and the fuzz targets (make fuzz), built only on request.

"""Operations: the schedule (`brief serve`), stage timings and run notifications."""

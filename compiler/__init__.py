"""dativo compiler: load -> validate -> resolve -> check -> plan -> emit."""
